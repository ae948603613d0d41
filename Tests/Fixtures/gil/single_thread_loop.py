"""One thread running Python bytecode for half a second: pyinspect's hang monitor takes the GIL from it now and
then, and none of that may show as a switch or a second holder."""
import time

deadline = time.perf_counter() + 0.5
total = 0
while time.perf_counter() < deadline:
    total += 1
print("ok" if total > 0 else "no")
