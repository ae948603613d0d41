"""One long C call in the main thread while another thread ticks: sum() never releases the GIL."""
import threading
import time

stop = threading.Event()


def tick():
    while not stop.is_set():
        time.sleep(0.001)


ticker = threading.Thread(target=tick, name="ticker")
ticker.start()
time.sleep(0.05)
total = sum(range(40_000_000))
stop.set()
ticker.join()
