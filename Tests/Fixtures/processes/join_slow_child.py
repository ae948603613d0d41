# Not a deadlock: the parent joins a child that sleeps, then one that writes to a queue another process reads.
import multiprocessing
import time


def sleeper():
    time.sleep(2.5)


def producer(queue):
    for _ in range(30):
        queue.put("y" * 200_000)
        time.sleep(0.1)


def consumer(queue):
    for _ in range(30):
        queue.get()
        time.sleep(0.1)


if __name__ == "__main__":
    child = multiprocessing.Process(target=sleeper)
    child.start()
    child.join()
    queue = multiprocessing.Queue()
    reader = multiprocessing.Process(target=consumer, args=(queue,))
    writer = multiprocessing.Process(target=producer, args=(queue,))
    reader.start()
    writer.start()
    writer.join()
    reader.join()
    print("done", flush=True)
