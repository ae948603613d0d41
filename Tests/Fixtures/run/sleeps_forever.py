import threading
import time


def ticker():
    while True:
        time.sleep(0.05)


threading.Thread(target=ticker, name="ticker", daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(0.1)
