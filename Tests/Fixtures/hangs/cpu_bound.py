"""CPU-bound, no asyncio, no threads: measures the monitor's overhead. Prints the loop's own seconds on stderr."""
import sys
import time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
began = time.perf_counter()
total = 0
for i in range(n):
    total += i * i % 7
print(total)
print(f"{time.perf_counter() - began:.4f}", file=sys.stderr)
