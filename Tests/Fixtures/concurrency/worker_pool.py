# No finding: 50 workers over a queue of 3000 items (the bound the finding suggests).
import asyncio


async def worker(queue, done):
    while True:
        item = await queue.get()
        await asyncio.sleep(0.001)
        done.append(item)
        queue.task_done()


async def main():
    queue = asyncio.Queue()
    for item in range(3000):
        queue.put_nowait(item)
    done = []
    workers = [asyncio.create_task(worker(queue, done)) for _ in range(50)]
    await queue.join()
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    print("done", len(done))


asyncio.run(main())
