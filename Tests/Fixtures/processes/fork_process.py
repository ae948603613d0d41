"""One multiprocessing Process started with fork, and one plain os.fork child that exits 3."""
import multiprocessing
import os


def work():
    data = bytearray(20 * 1024 * 1024)  # touched: counts in the child's own peak RSS
    return len(data)


if __name__ == "__main__":
    process = multiprocessing.get_context("fork").Process(target=work)
    process.start()
    process.join()
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    os.waitpid(pid, 0)
    print("exit codes", process.exitcode)
