"""A clean program: a semaphore bounds concurrency, gather collects results."""
import asyncio


async def fetch(semaphore, n):
    async with semaphore:
        await asyncio.sleep(0.01)
        return n * n


async def main():
    semaphore = asyncio.Semaphore(3)
    results = await asyncio.gather(*(fetch(semaphore, n) for n in range(10)))
    print(sum(results))


asyncio.run(main())
