"""Healthy: a thread holds a threading.Lock while it waits, through run_coroutine_threadsafe, for a loop that is
free to answer; the coroutine takes the lock only afterwards. Not a deadlock."""
import asyncio
import threading

lock = threading.Lock()


async def report():
    await asyncio.sleep(1.5)
    return "done"


def holder(loop):
    with lock:
        print(asyncio.run_coroutine_threadsafe(report(), loop).result(), flush=True)


async def main():
    loop = asyncio.get_running_loop()
    thread = threading.Thread(target=holder, args=(loop,), name="holder")
    thread.start()
    await asyncio.sleep(0.1)
    await loop.run_in_executor(None, thread.join)
    with lock:
        pass


asyncio.run(main())
