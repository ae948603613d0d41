"""Infinite recursion in Python: a RecursionError, the normal error path."""


def down(n):
    return down(n + 1) + 1


down(0)
