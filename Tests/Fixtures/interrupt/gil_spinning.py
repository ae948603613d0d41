"""Two threads share the GIL until the test interrupts pyinspect: once both have done a unit of work, the file
named by PYINSPECT_TEST_MARKER appears (the test's cue to send the signal); then they run until stopped."""
import os
import threading

done = threading.Barrier(2)


def spin():
    total = 0
    for i in range(200_000):
        total += i * i
    return total


def worker():
    spin()
    done.wait()
    while True:
        spin()


threading.Thread(target=worker, name="spinner", daemon=True).start()
spin()
done.wait()
with open(os.environ["PYINSPECT_TEST_MARKER"], "w") as marker:
    marker.write("running\n")
while True:
    spin()
