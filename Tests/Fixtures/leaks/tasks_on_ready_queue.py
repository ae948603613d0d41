# Tasks that yield forever: kept only by the event loop's ready queue.
import asyncio


async def spin():
    while True:
        await asyncio.sleep(0)


async def run():
    asyncio.get_running_loop().create_task(spin())
    await asyncio.sleep(0)
