import os
import signal
import time

print("waiting", flush=True)
os.kill(os.getpid(), signal.SIGINT)
time.sleep(5)
print("not reached")
