# os.dup of stdout per call, never closed.
import os

COPIES = {}


def run():
    copy = os.dup(1)
    COPIES[len(COPIES)] = copy
