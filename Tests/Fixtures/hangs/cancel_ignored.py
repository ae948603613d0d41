"""A task catches CancelledError and carries on: the cancel had no effect, the task keeps running."""
import asyncio


async def worker():
    rounds = 0
    while rounds < 40:
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:  # line 10: caught, not re-raised
            print("ignoring the cancel", flush=True)
        rounds += 1


async def main():
    task = asyncio.create_task(worker(), name="stubborn")
    await asyncio.sleep(0.2)
    task.cancel()
    await task


asyncio.run(main())
