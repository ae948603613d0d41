"""Functions of every call shape, for the check leaks and compare make before calling."""
import functools


def needs_size(size):
    return bytearray(size)


def sized(size=64):
    return bytearray(size)


def any_arguments(*args, **kwargs):
    return len(args)


def no_arguments():
    return 0


def keyword_only(i, *, scale):
    return i * scale


def one_item(i):
    return i * i


needs_size_later = functools.partial(needs_size)
builtin_len = len  # no arguments fit len(obj), and its signature says so
builtin_print = print  # a builtin whose signature is not known: not judged, called
