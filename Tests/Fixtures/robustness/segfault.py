"""A C-level crash: reading address 0 through ctypes, two calls deep, with a second thread alive."""
import ctypes
import threading

ready = threading.Event()


def idle():
    ready.set()
    threading.Event().wait()


def dereference_null():
    return ctypes.string_at(0)


def crash_here():
    dereference_null()


threading.Thread(target=idle, name="idler", daemon=True).start()
ready.wait()
print("about to crash", flush=True)
crash_here()
