"""Two CPU-bound threads doing the same work in differently named functions: spin_left 0.50, spin_right 0.50
(of the samples of those two; each thread waits for the GIL about half the time)."""
import threading

from common import rounds, unit


def spin_left():
    for _ in range(rounds(300)):
        unit()


def spin_right():
    for _ in range(rounds(300)):
        unit()


threads = [threading.Thread(target=spin_left, name="left"), threading.Thread(target=spin_right, name="right")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
