"""Pure Python that keeps the GIL for long stretches: a switch interval of 0.5 s beside a ticking thread."""
import sys
import threading
import time

stop = threading.Event()


def tick():
    while not stop.is_set():
        time.sleep(0.001)


sys.setswitchinterval(0.5)
ticker = threading.Thread(target=tick, name="ticker")
ticker.start()
time.sleep(0.05)
total = 0
for i in range(8_000_000):
    total += i
stop.set()
ticker.join()
