"""A sleeping thread beside a busy one, both alive for the whole run: in wall time nap 0.50, busy 0.50 (the
sleeper is off CPU: a CPU view gives busy 1.00)."""
import threading
import time

from common import rounds, unit

done = threading.Event()


def nap():
    while not done.is_set():
        time.sleep(0.005)


def busy():
    for _ in range(rounds(400)):
        unit()


sleeper = threading.Thread(target=nap, name="sleeper")
sleeper.start()
worker = threading.Thread(target=busy, name="busy")
worker.start()
worker.join()
done.set()
sleeper.join()
