"""A service that sleeps in one long blocking call until stopped. Under `run` without --control its default control
socket must cost no thread until a client connects, then answer (the connection's signal interrupts the sleep)."""
import os
import time

print(f"threads {len(os.listdir('/proc/self/task'))}", flush=True)
print("ready", flush=True)
while True:
    time.sleep(3600)
