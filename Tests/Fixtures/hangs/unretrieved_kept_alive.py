"""A task raises, nobody awaits it, and a global keeps it alive: asyncio would log it only at shutdown."""
import asyncio


async def fails():
    raise KeyError("kept alive")  # line 6


async def main():
    global kept
    kept = asyncio.create_task(fails(), name="kept")
    await asyncio.sleep(0.01)


asyncio.run(main())
