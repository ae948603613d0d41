# unbounded_concurrency: a loop that starts a task per item with no bound (awaiting now and then, so never in
# one step). Finding at line 13.
import asyncio


async def work(item):
    await asyncio.sleep(1)


async def main():
    running = []
    for item in range(3000):
        running.append(asyncio.create_task(work(item)))
        if item % 100 == 0:
            await asyncio.sleep(0)
    await asyncio.gather(*running)


asyncio.run(main())
