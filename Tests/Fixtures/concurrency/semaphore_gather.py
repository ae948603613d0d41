# No finding: 5000 coroutines gathered at once, but a Semaphore lets 50 work at a time (the others wait their
# turn in it).
import asyncio


async def work(limit, item):
    async with limit:
        await asyncio.sleep(0.01)
        return item


async def main():
    limit = asyncio.Semaphore(50)
    results = await asyncio.gather(*(work(limit, item) for item in range(5000)))
    print("done", len(results))


asyncio.run(main())
