"""A task raises and nobody awaits it."""
import asyncio
import gc


async def fails():
    raise ValueError("boom from the background")  # line 7


async def main():
    asyncio.create_task(fails(), name="background")  # line 11
    await asyncio.sleep(0.05)
    gc.collect()
    await asyncio.sleep(0.01)


asyncio.run(main())
