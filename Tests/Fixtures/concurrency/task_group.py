# unbounded_concurrency: a TaskGroup starting 2000 tasks at once. Finding at line 13.
import asyncio


async def work(item):
    await asyncio.sleep(1)
    return item


async def main():
    async with asyncio.TaskGroup() as group:
        for item in range(2000):
            group.create_task(work(item))


asyncio.run(main())
