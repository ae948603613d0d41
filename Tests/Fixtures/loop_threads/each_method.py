# loop_called_from_thread: each non-thread-safe method called from thread 'helper' while the loop runs in the main
# thread (lines 26-33). A heartbeat keeps the loop waking, so the program still ends.
import asyncio
import threading
import time


async def heartbeat(stop):
    while not stop.is_set():
        await asyncio.sleep(0.02)


async def noop():
    pass


async def main():
    loop = asyncio.get_running_loop()
    result = loop.create_future()
    failure = loop.create_future()
    victim = asyncio.create_task(asyncio.sleep(30), name="victim")
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(stop))

    def helper():
        loop.call_soon(print, "call_soon ran")
        loop.call_later(0.01, print, "call_later ran")
        loop.create_task(noop())
        while not (result._callbacks and failure._callbacks and victim._fut_waiter is not None):
            time.sleep(0.001)  # until the main task awaits them and the victim sleeps (so each has a waiter)
        result.set_result(1)
        failure.set_exception(ValueError("from the thread"))
        victim.cancel()

    thread = threading.Thread(target=helper, name="helper")
    thread.start()
    print(await asyncio.gather(result, failure, victim, return_exceptions=True))
    await asyncio.sleep(0.05)
    stop.set()
    await beat
    thread.join()


asyncio.run(main())
