"""Prints ready, then waits for a signal inside a named function (for SIGTERM / Ctrl-C sent to pyinspect)."""
import threading


def wait_for_signal():
    print("ready", flush=True)
    threading.Event().wait()


wait_for_signal()
