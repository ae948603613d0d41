"""Waits on a lock nobody releases."""
import threading

lock = threading.Lock()
lock.acquire()


def stuck():
    print("stuck", flush=True)
    lock.acquire()


stuck()
