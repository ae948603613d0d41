"""A coroutine takes a threading.Lock that a thread holds while it waits, through run_coroutine_threadsafe, for
the very loop the coroutine blocks: a deadlock."""
import asyncio
import threading

lock = threading.Lock()
holding = threading.Event()


async def report():
    return "done"


def holder(loop):
    with lock:
        holding.set()
        asyncio.run_coroutine_threadsafe(report(), loop).result()  # line 17: waits for the loop


async def main():
    loop = asyncio.get_running_loop()
    threading.Thread(target=holder, args=(loop,), name="holder").start()
    holding.wait()
    with lock:  # line 24: blocks the loop thread
        pass


asyncio.run(main())
