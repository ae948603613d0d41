"""Not a deadlock: the loop sits idle for 1.5 s, longer than the monitor's stable time, but a thread will wake it."""
import asyncio
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def later():
        time.sleep(1.5)
        loop.call_soon_threadsafe(future.set_result, "woken")

    threading.Thread(target=later, name="waker").start()
    print(await future)


asyncio.run(main())
