"""The lock-order deadlock awaited through asyncio.wait: the main task waits for the two tasks it started."""
import asyncio


async def worker(first, second):
    async with first:
        await asyncio.sleep(0.05)
        async with second:  # line 8: where each task waits
            pass


async def main():
    lock_a = asyncio.Lock()
    lock_b = asyncio.Lock()
    tasks = [asyncio.create_task(worker(lock_a, lock_b), name="payer"),
             asyncio.create_task(worker(lock_b, lock_a), name="payee")]
    await asyncio.wait(tasks)  # line 17


asyncio.run(main())
