"""The bundled example for `make run`: a little work on two threads and some garbage for the collector."""
import threading


def work(label, n):
    total = 0
    for i in range(n):
        total += i * i
        if i % 1000 == 0:
            junk = [[j] for j in range(50)]  # cyclic-free garbage, freed at once
            node = {}
            node["self"] = node               # a cycle for the gc to collect
    print(f"{label}: {total}")


threads = [threading.Thread(target=work, args=(f"worker-{k}", 200_000), name=f"worker-{k}") for k in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("done")
