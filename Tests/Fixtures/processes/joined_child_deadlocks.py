"""The parent joins a multiprocessing child (Process.join, no timeout) whose own threads or loop can never go on.
argv[1]: start method (fork, spawn, forkserver); argv[2]: what the child does:
  locks  two threads take two Locks in opposite orders (ABBA): a deadlock
  loop   an asyncio task awaits a future nobody sets: a deadlock
  held   one thread holds a Lock for 2.5 s while another waits for it: no deadlock, the run ends cleanly
A watchdog ends the parent with status 3 after 90 s, so a deadlock pyinspect missed fails a test, never hangs it.
"""
import asyncio
import multiprocessing
import os
import sys
import threading
import time


def locks():
    first, second = threading.Lock(), threading.Lock()
    both_hold_one = threading.Barrier(2)

    def forward():
        with first:
            both_hold_one.wait()
            with second:  # ABBA
                pass

    def backward():
        with second:
            both_hold_one.wait()
            with first:  # ABBA
                pass
    run_threads([threading.Thread(target=forward, name="forward"), threading.Thread(target=backward, name="backward")])


def loop():
    async def main():
        never = asyncio.get_running_loop().create_future()
        await never  # nobody sets it
    asyncio.run(main())


def held():
    lock = threading.Lock()

    def holder():
        with lock:
            time.sleep(2.5)

    def waiter():
        time.sleep(0.2)
        with lock:
            pass
    run_threads([threading.Thread(target=holder, name="holder"), threading.Thread(target=waiter, name="waiter")])


def run_threads(threads):
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    watchdog = threading.Timer(90, os._exit, (3,))
    watchdog.daemon = True
    watchdog.start()
    context = multiprocessing.get_context(sys.argv[1])
    child = context.Process(target={"locks": locks, "loop": loop, "held": held}[sys.argv[2]])
    child.start()
    child.join()  # the join
    print("joined", child.exitcode, flush=True)
