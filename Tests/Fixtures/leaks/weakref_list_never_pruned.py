# Leaks: observers kept as weak references in a list nobody prunes; the observers die, their dead weak
# references stay (one per call).
import weakref


class Observer:
    pass


OBSERVERS = []


def run():
    observer = Observer()
    OBSERVERS.append(weakref.ref(observer))
