"""CPU-bound, no asyncio, no threads: measures the monitor's overhead."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 3_000_000
total = 0
for i in range(n):
    total += i * i % 7
print(total)
