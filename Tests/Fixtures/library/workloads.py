"""Python code a Swift test suite wants to check: one function that releases the GIL, one that cannot."""
import hashlib
import threading

BUFFER = bytes(range(256)) * 16384  # 4 MiB


def _in_two_threads(work):
    threads = [threading.Thread(target=work, name=f"worker-{k}") for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def hash_buffers():
    """hashlib releases the GIL while it hashes large buffers."""
    def work():
        for _ in range(40):
            hashlib.sha256(BUFFER).hexdigest()
    _in_two_threads(work)


def count_in_python():
    """Pure Python: the two threads take turns holding the GIL."""
    def work():
        total = 0
        for i in range(1_500_000):
            total += i % 7
    _in_two_threads(work)


def fail():
    raise ValueError("raised on purpose")
