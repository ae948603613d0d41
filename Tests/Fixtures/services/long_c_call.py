"""The main thread enters a C call that holds the GIL for a long time (builtin sum over itertools.repeat)."""
import itertools

print("entering C call", flush=True)
total = sum(itertools.repeat(1, 10**11))
print(total)
