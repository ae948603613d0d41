"""threading.Lock and RLock that remember their owner and who waits for them (a wait-for graph for threads).

`install()` replaces the names in `threading`: every `threading.Lock()`/`RLock()` the program makes afterwards is
tracked; those the standard library makes for itself are not (see install), nor `_thread.allocate_lock` (the
import system uses it).
"""
import _thread
import sys
import time

from . import import_hooks
from .hang_frames import _caller_site, _is_library, need_monitor

_thread_waits = {}             # thread ident -> (tracked lock, since, timeout)
_get_ident = _thread.get_ident
_monotonic = time.monotonic


class _TrackedLock:
    """threading.Lock that remembers its owner and who waits for it."""
    __slots__ = ("_lock", "_owner", "_site", "__weakref__")

    def __new__(cls, *args, **kwargs):
        # Like _thread.lock: not instantiable from Python (test_threading checks it); see _make.
        raise TypeError(f"cannot create '{cls.__module__}.{cls.__qualname__}' instances")

    @classmethod
    def _make(cls, lock, site):
        self = object.__new__(cls)
        self._lock = lock
        self._owner = None
        self._site = site
        return self

    def acquire(self, blocking=True, timeout=-1):
        lock = self._lock
        if not blocking or timeout == 0:
            got = lock.acquire(blocking, timeout)  # the lock's own argument checks
            if got:
                self._owner = _get_ident()
            return got
        if timeout == -1 and lock.acquire(False):
            self._owner = _get_ident()
            return True
        me = _get_ident()
        need_monitor()  # a contended wait (a single thread taking its own lock twice is a deadlock too)
        _thread_waits[me] = (self, _monotonic(), timeout)
        try:
            got = lock.acquire(True, timeout)
        finally:
            _thread_waits.pop(me, None)
        if got:
            self._owner = me
        return got

    def __enter__(self):
        # The uncontended path inline: `with lock:` is the common use, and every call level costs here.
        if self._lock.acquire(False):
            self._owner = _get_ident()
            return True
        return self.acquire()

    def release(self):
        self._owner = None
        self._lock.release()

    def __exit__(self, *exc):
        self._owner = None
        self._lock.release()

    def locked(self):
        return self._lock.locked()

    def _at_fork_reinit(self):
        self._lock._at_fork_reinit()
        self._owner = None

    def __repr__(self):
        return repr(self._lock).replace("_thread.lock", "threading.Lock", 1)


class _TrackedRLock(_TrackedLock):
    __slots__ = ()

    def acquire(self, blocking=True, timeout=-1):
        if self._lock._is_owned():
            return self._lock.acquire(blocking, timeout)
        return _TrackedLock.acquire(self, blocking, timeout)

    def __enter__(self):
        return self.acquire()

    def release(self):
        self._lock.release()
        if not self._lock._is_owned():
            self._owner = None

    def __exit__(self, *exc):
        self.release()

    def _is_owned(self):
        return self._lock._is_owned()

    def _release_save(self):
        self._owner = None
        return self._lock._release_save()

    def _acquire_restore(self, state):
        self._lock._acquire_restore(state)
        self._owner = _get_ident()

    def __repr__(self):
        return repr(self._lock)


def install():
    # When the target imports threading: importing it here would cost every run ~3 ms of start-up.
    import_hooks.after_import("threading", _patch_threading)


def _patch_threading(threading):
    original_lock = threading.Lock
    original_rlock = threading.RLock

    # Locks the standard library makes for itself (queue, Condition, Event, Thread, logging, concurrent.futures)
    # stay plain: they are the hot ones, and the deadlocks worth explaining are between the program's own locks.
    def Lock():
        if _is_library(sys._getframe(1).f_code.co_filename):
            return original_lock()
        return _TrackedLock._make(original_lock(), _caller_site())

    def RLock(*args, **kwargs):
        if _is_library(sys._getframe(1).f_code.co_filename):
            return original_rlock(*args, **kwargs)
        return _TrackedRLock._make(original_rlock(*args, **kwargs), _caller_site())

    for function, original in ((Lock, original_lock), (RLock, original_rlock)):
        # threading's own names: pickled by reference as threading.Lock, listed by test___all__.
        function.__module__ = "threading"
        function.__qualname__ = function.__name__
        function.__doc__ = original.__doc__
    threading.Lock = Lock
    threading.RLock = RLock

    # The hang monitor's thread starts with the target's second thread (hang_frames.need_monitor).
    original_start = threading.Thread.start

    def start(self):
        need_monitor()
        return original_start(self)

    start.__qualname__, start.__doc__ = original_start.__qualname__, original_start.__doc__
    threading.Thread.start = start

