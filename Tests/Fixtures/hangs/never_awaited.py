"""A coroutine called without await."""
import asyncio


async def save(value):
    await asyncio.sleep(0)
    return value


async def main():
    save(42)  # line 11: never awaited
    await asyncio.sleep(0.01)


asyncio.run(main())
