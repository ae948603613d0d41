"""A synchronous time.sleep inside a coroutine blocks the whole loop."""
import asyncio
import time


async def blocker():
    await asyncio.sleep(0.01)
    time.sleep(0.5)  # line 8: blocks the loop
    return 1


async def ticker():
    for _ in range(5):
        await asyncio.sleep(0.02)


async def main():
    await asyncio.gather(asyncio.create_task(blocker(), name="blocker"), ticker())


asyncio.run(main())
