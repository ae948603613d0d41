"""A server that keeps a connection object, each with its own threading.Lock, for every client still connected:
400 of them once the file argv[1] appears. The connections are the target's growth; the site pyinspect's lock
instrument records for each lock must not be (a dict per lock). Prints "ready", then "done 1"."""
import os
import sys
import threading
import time


class Connection:
    __slots__ = ("number", "lock")

    def __init__(self, number):
        self.number = number
        self.lock = threading.Lock()


connections = [Connection(number) for number in range(10)]  # warm-up
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
connections += [Connection(number) for number in range(400)]
print("done 1", flush=True)
while True:
    time.sleep(1)
