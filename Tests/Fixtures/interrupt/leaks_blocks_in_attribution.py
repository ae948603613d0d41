"""Leaks one list per call. Once the hunt has decided and attribution calls it again (with tracemalloc on), it
creates the file named by PYINSPECT_TEST_MARKER and blocks until the test interrupts pyinspect."""
import os
import time
import tracemalloc

kept = []


def step():
    if tracemalloc.is_tracing():
        with open(os.environ["PYINSPECT_TEST_MARKER"], "w") as marker:
            marker.write("attribution started\n")
        time.sleep(3600)
    kept.append([len(kept)] * 50)
