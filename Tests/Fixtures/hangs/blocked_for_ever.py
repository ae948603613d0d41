"""A coroutine blocks its loop with a synchronous call that does not return: stopped by --timeout."""
import asyncio
import time


async def stuck():
    await asyncio.sleep(0)
    time.sleep(3600)  # line 8


asyncio.run(stuck())
