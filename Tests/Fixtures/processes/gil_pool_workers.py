"""A spawn Pool of 2 workers, each running its task on 2 CPU-bound threads: the threads of one worker share
that worker's GIL (each waits while the other holds it), whatever the parent does."""
import multiprocessing
import threading


def spin(count):
    total = 0
    for i in range(count):
        total += i * i
    return total


def task(count):
    threads = [threading.Thread(target=spin, args=(count,), name="spinner-%d" % n) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count


if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    pool = multiprocessing.Pool(2)
    print(pool.map(task, [1_500_000, 1_500_000]))
    pool.close()  # workers end normally (sys.exit), where their GIL trace is saved; terminate() would kill them
    pool.join()
