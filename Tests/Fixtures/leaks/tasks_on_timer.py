# Tasks kept only by the event loop: each waits on a long timer.
import asyncio


async def poll():
    while True:
        await asyncio.sleep(1000)


async def run():
    asyncio.ensure_future(poll())
    await asyncio.sleep(0)
