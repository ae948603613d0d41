"""Two threads take two locks in opposite order: a deadlock."""
import threading
import time

lock_a = threading.Lock()
lock_b = threading.Lock()


def work(first, second):
    with first:
        time.sleep(0.05)
        with second:  # line 12: where each thread waits
            print("got both")


one = threading.Thread(target=work, args=(lock_a, lock_b), name="one")
two = threading.Thread(target=work, args=(lock_b, lock_a), name="two")
one.start()
two.start()
one.join()
two.join()
