"""A CPU-bound thread beside a thread sleeping 1 ms in a loop: the sleeper waits more than it holds."""
import threading
import time

done = threading.Event()


def crunch():
    total = 0
    for i in range(15_000_000):
        total += i
    done.set()


def nap():
    while not done.is_set():
        time.sleep(0.001)


threads = [threading.Thread(target=crunch, name="cruncher"), threading.Thread(target=nap, name="napper")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
