"""Leaks one list per call; on its 12th call (2 warm-up + 10 measured) it creates the file named by
PYINSPECT_TEST_MARKER, and from the 13th call on it blocks until the test interrupts pyinspect."""
import os
import time

kept = []
calls = 0


def step():
    global calls
    calls += 1
    if calls > 12:
        time.sleep(3600)
    kept.append([calls] * 50)
    if calls == 12:
        with open(os.environ["PYINSPECT_TEST_MARKER"], "w") as marker:
            marker.write("12 calls\n")
