"""Healthy: a task cleans up on cancel and re-raises; another uses asyncio.timeout (which uncancels)."""
import asyncio


async def worker():
    try:
        while True:
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        await asyncio.sleep(0.01)  # a short cleanup
        raise


async def bounded():
    try:
        async with asyncio.timeout(0.1):
            await asyncio.sleep(5)
    except TimeoutError:
        return "timed out"


async def main():
    task = asyncio.create_task(worker(), name="worker")
    print(await bounded())
    await asyncio.sleep(0.6)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("cancelled")
    await asyncio.sleep(1.2)


asyncio.run(main())
