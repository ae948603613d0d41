import asyncio


async def forever():
    await asyncio.sleep(3600)


async def run():
    asyncio.get_running_loop().create_task(forever())
    await asyncio.sleep(0)
