"""As thread_lock_in_coroutine.py, but the holder asks the loop with call_soon_threadsafe and waits for a
threading.Event only that callback would set."""
import asyncio
import threading

lock = threading.Lock()
holding = threading.Event()
answered = threading.Event()


def holder(loop):
    with lock:
        holding.set()
        loop.call_soon_threadsafe(answered.set)
        answered.wait()  # line 15: only the loop would set it


async def main():
    loop = asyncio.get_running_loop()
    threading.Thread(target=holder, args=(loop,), name="holder").start()
    holding.wait()
    with lock:  # line 22: blocks the loop thread
        pass


asyncio.run(main())
