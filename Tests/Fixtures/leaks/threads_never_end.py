import threading

_stop = threading.Event()

def worker():
    _stop.wait()

def run():
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
