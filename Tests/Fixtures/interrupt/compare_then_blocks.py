"""compare's serial mode runs to its end; the first call on a pool thread creates the file named by
PYINSPECT_TEST_MARKER and blocks until the test interrupts pyinspect."""
import os
import threading
import time


def work(i):
    if threading.current_thread() is not threading.main_thread():
        marker = os.environ["PYINSPECT_TEST_MARKER"]
        if not os.path.exists(marker):
            with open(marker, "w") as handle:
                handle.write("threads mode started\n")
        time.sleep(3600)
    return sum(range(10_000 + i))
