"""Threads that sleep: the GIL held almost never."""
import threading
import time


def nap():
    for _ in range(10):
        time.sleep(0.05)


workers = [threading.Thread(target=nap, name=f"sleeper-{i}") for i in range(3)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
