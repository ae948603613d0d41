"""Two tasks take two asyncio locks in opposite order while a heartbeat task keeps the loop busy: still a
deadlock (the loop is never idle, but the two tasks wait for each other for ever)."""
import asyncio


async def heartbeat():
    while True:
        await asyncio.sleep(0.01)


async def worker(first, second, name):
    async with first:
        await asyncio.sleep(0.05)
        async with second:  # line 14: where each task waits
            print(name, "got both")


async def main():
    beat = asyncio.create_task(heartbeat(), name="heartbeat")
    lock_a = asyncio.Lock()
    lock_b = asyncio.Lock()
    await asyncio.gather(
        asyncio.create_task(worker(lock_a, lock_b, "left"), name="left"),
        asyncio.create_task(worker(lock_b, lock_a, "right"), name="right"),
    )
    beat.cancel()


asyncio.run(main())
