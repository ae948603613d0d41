# A target with a fork child, a multiprocessing pool and grandchildren started with subprocess (one Python, one
# not), each pid recorded in the file argv[1]; prints "ready" when all are running, then, by argv[2]:
# (none) waits for ever; "exit" ends at once (os._exit: no pool finalizer) while they still run; "deadlock" two
# threads take two locks in opposite order; "memory" allocates until MemoryError.
import multiprocessing
import os
import subprocess
import sys
import threading
import time

pid_file = sys.argv[1]


def record(kind, pid):
    with open(pid_file, "a") as f:
        f.write(f"{kind} {pid}\n")


def idle(_):
    time.sleep(600)


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    record("target", os.getpid())
    pid = os.fork()
    if pid == 0:
        python = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        other = subprocess.Popen(["/bin/sleep", "600"])
        record("grandchild", python.pid)
        record("grandchild", other.pid)
        record("fork", os.getpid())
        time.sleep(600)
        os._exit(0)
    pool = multiprocessing.Pool(2)
    for worker in pool._pool:
        record("pool", worker.pid)
    pending = pool.map_async(idle, range(2))
    while "fork " not in open(pid_file).read():
        time.sleep(0.01)
    print("ready", flush=True)
    mode = sys.argv[2] if len(sys.argv) > 2 else "wait"
    if mode == "exit":
        os._exit(0)  # no pool finalizer: the workers are left running
    elif mode == "deadlock":
        first, second = threading.Lock(), threading.Lock()

        def take(a, b):
            with a:
                time.sleep(0.05)
                with b:
                    pass

        threads = [threading.Thread(target=take, args=pair) for pair in ((first, second), (second, first))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elif mode == "memory":
        blocks = []
        while True:
            blocks.append(bytearray(16 * 1024 * 1024))
    time.sleep(600)
