"""A coroutine blocks its loop with a synchronous call that does not return: stopped by --timeout."""
import asyncio
import time


async def stuck():
    print(time.monotonic(), flush=True)  # before the callback that blocks (the test's clock: CLOCK_MONOTONIC)
    await asyncio.sleep(0)
    print(time.monotonic(), flush=True)  # in it, just before the call
    time.sleep(3600)  # line 10


asyncio.run(stuck())
