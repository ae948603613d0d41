import threading

def worker():
    return sum(range(100))

def run():
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
