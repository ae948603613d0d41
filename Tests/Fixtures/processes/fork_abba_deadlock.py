"""A fork child whose two threads take two locks in opposite orders (ABBA) and deadlock; the parent waits for it in
os.waitpid, for ever: the run's deadlock. The child's finding names the cycle and both lines."""
import os
import threading

first = threading.Lock()
second = threading.Lock()
both_hold_one = threading.Barrier(2)


def forward():
    with first:
        both_hold_one.wait()
        with second:  # ABBA: waits for backward's lock
            pass


def backward():
    with second:
        both_hold_one.wait()
        with first:  # ABBA: waits for forward's lock
            pass


if __name__ == "__main__":
    pid = os.fork()
    if pid == 0:
        threads = [threading.Thread(target=forward, name="forward"), threading.Thread(target=backward, name="backward")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        os._exit(0)
    print("child", pid, flush=True)
    os.waitpid(pid, 0)
