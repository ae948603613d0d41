"""Infinite recursion in C: repr() of a deeply nested list, with Python's recursion limit lifted, overflows
the C stack (SIGSEGV). The main thread's stack limit is lowered to 1 MiB so that it takes milliseconds."""
import resource
import sys

resource.setrlimit(resource.RLIMIT_STACK, (1024 * 1024, resource.getrlimit(resource.RLIMIT_STACK)[1]))
sys.setrecursionlimit(10**8)
nested = []
for _ in range(200_000):
    nested = [nested]


def show(value):
    return repr(value)


print("nested", flush=True)
show(nested)
