"""A live loop that never ends: not a deadlock."""
import asyncio


async def heartbeat():
    while True:
        await asyncio.sleep(0.05)  # line 7


async def main():
    await asyncio.create_task(heartbeat(), name="heartbeat")


asyncio.run(main())
