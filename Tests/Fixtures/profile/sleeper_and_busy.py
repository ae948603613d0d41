# A sleeping thread beside a busy one: the sleeper's samples are off CPU (time.sleep released the GIL), the
# busy thread's are on CPU; the hot function is the busy one.
import threading
import time

done = threading.Event()


def sleeper():
    while not done.is_set():
        time.sleep(0.05)


def busy(count):
    total = 0
    for i in range(count):
        total += i % 7
    return total


napper = threading.Thread(target=sleeper, name="sleeper")
napper.start()
busy(4_000_000)
done.set()
napper.join()
