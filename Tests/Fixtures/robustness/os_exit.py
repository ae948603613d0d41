"""Ends through os._exit: no atexit handlers, no finalization."""
import atexit
import os
import sys


def leave(code):
    os._exit(code)


atexit.register(lambda: print("atexit ran (must not)"))
print("leaving", flush=True)
leave(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
