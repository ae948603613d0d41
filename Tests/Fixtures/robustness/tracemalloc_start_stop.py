"""Starts and stops tracemalloc over and over while pyinspect's hang monitor ticks (under PYTHONTRACEMALLOC=1).

CPython 3.11's tracemalloc.stop() crashed a thread that was making a thread state without the GIL at that moment;
pyinspect's own threads must never be one (Sources/CPythonShim/host_thread_state.c)."""
import tracemalloc

for _ in range(1500):
    tracemalloc.start()
    kept = [str(number) for number in range(100)]
    tracemalloc.stop()
print("stopped 1500 times")
