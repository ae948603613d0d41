import asyncio

async def job():
    await asyncio.sleep(0)
    return 1

async def run():
    task = asyncio.get_running_loop().create_task(job())
    await task
