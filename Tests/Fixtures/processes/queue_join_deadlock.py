# The multiprocessing deadlock of the documentation's programming guidelines: the child puts a large item on a
# Queue and the parent joins it before reading the queue. argv[1]: "fork" (default) or "spawn"; "--read" reads
# the item before joining (no deadlock).
import multiprocessing
import sys


def produce(queue):
    queue.put("x" * 1_000_000)  # line 9: the put


if __name__ == "__main__":
    method = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else "fork"
    context = multiprocessing.get_context(method)
    queue = context.Queue()
    child = context.Process(target=produce, args=(queue,))
    child.start()
    if "--read" in sys.argv:
        print(len(queue.get()))
    child.join()  # line 20: the join
    print("joined", flush=True)
