"""Two CPU-bound threads contending for the GIL."""
import threading


def spin(n, out, index):
    total = 0
    for i in range(n):
        total += i % 7
    out[index] = total


results = [0, 0]
threads = [threading.Thread(target=spin, args=(10_000_000, results, k)) for k in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sum(results))
