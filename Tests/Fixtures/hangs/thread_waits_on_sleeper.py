"""A thread waits for a lock the main thread holds while it sleeps for ever: a hang, not a cycle."""
import threading
import time

lock = threading.Lock()


def work():
    with lock:  # line 9: waits for the main thread
        pass


lock.acquire()
worker = threading.Thread(target=work, name="worker")
worker.start()
time.sleep(3600)  # line 16
