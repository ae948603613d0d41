# Two CPU-bound threads: while one holds the GIL the other waits for it, so each shows gil_wait, and the
# function on top of both is `worker`.
import threading


def worker(count):
    total = 0
    for i in range(count):
        total += i % 7
    return total


threads = [threading.Thread(target=worker, args=(2_500_000,), name=f"spinner-{n}") for n in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
