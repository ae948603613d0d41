"""A Pool worker whose task starts two threads that take two Locks in opposite orders (ABBA); the parent waits for
the result (a condition, not the process), so only --timeout ends the run. A watchdog ends the parent with status 3
after 90 s."""
import multiprocessing
import os
import threading


def task(_):
    first, second = threading.Lock(), threading.Lock()
    both_hold_one = threading.Barrier(2)

    def forward():
        with first:
            both_hold_one.wait()
            with second:  # ABBA
                pass

    def backward():
        with second:
            both_hold_one.wait()
            with first:  # ABBA
                pass
    threads = [threading.Thread(target=forward, name="forward"), threading.Thread(target=backward, name="backward")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    watchdog = threading.Timer(90, os._exit, (3,))
    watchdog.daemon = True
    watchdog.start()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pool.apply(task, (0,))
