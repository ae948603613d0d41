"""A worker that starts a thread per job (as a thread-per-request server does) and keeps nothing: each job's
dict is dropped when the thread ends. pyinspect's own record of every thread started must not show up in a diff
as the target's growth. Prints "ready", then runs 300 jobs when the file argv[1] appears and prints "done 1"."""
import os
import sys
import threading
import time


def job(number):
    scratch = {"job": number, "values": list(range(10))}
    return len(scratch)


def run_jobs(count):
    for number in range(count):
        worker = threading.Thread(target=job, args=(number,))
        worker.start()
        worker.join()


run_jobs(20)  # warm-up
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
run_jobs(300)
print("done 1", flush=True)
while True:
    time.sleep(1)
