"""Two tasks take two asyncio locks in opposite order: a deadlock."""
import asyncio


async def worker(first, second, name):
    async with first:
        await asyncio.sleep(0.05)
        async with second:  # line 8: where each task waits
            print(name, "got both")


async def main():
    lock_a = asyncio.Lock()
    lock_b = asyncio.Lock()
    await asyncio.gather(
        asyncio.create_task(worker(lock_a, lock_b, "left"), name="left"),
        asyncio.create_task(worker(lock_b, lock_a, "right"), name="right"),
    )


asyncio.run(main())
