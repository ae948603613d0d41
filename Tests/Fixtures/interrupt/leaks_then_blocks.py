"""Leaks one list per call. Its 13th call (after 2 warm-up + 10 measured ones, each measured when it returned)
creates the file named by PYINSPECT_TEST_MARKER and blocks until the test interrupts pyinspect."""
import os
import time

kept = []
calls = 0


def step():
    global calls
    calls += 1
    if calls > 12:
        with open(os.environ["PYINSPECT_TEST_MARKER"], "w") as marker:
            marker.write(f"call {calls}\n")
        time.sleep(3600)
    kept.append([calls] * 50)
