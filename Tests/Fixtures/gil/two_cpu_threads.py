"""Two CPU-bound threads: the GIL held nearly all the time, each holding about half, many switches."""
import threading


def spin(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


workers = [threading.Thread(target=spin, args=(6_000_000,), name=f"spinner-{i}") for i in range(2)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
