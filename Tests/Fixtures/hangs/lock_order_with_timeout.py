"""Opposite lock order while a heartbeat runs, but one side waits with a timeout (asyncio.wait_for): the wait
ends by itself, the program finishes; not a deadlock."""
import asyncio


async def heartbeat():
    while True:
        await asyncio.sleep(0.01)


async def patient(first, second):
    async with first:
        await asyncio.sleep(0.05)
        try:
            await asyncio.wait_for(second.acquire(), timeout=2.0)
            second.release()
        except asyncio.TimeoutError:
            print("gave up", flush=True)


async def main():
    beat = asyncio.create_task(heartbeat(), name="heartbeat")
    lock_a = asyncio.Lock()
    lock_b = asyncio.Lock()
    await asyncio.gather(
        asyncio.create_task(patient(lock_a, lock_b), name="left"),
        asyncio.create_task(patient(lock_b, lock_a), name="right"),
    )
    beat.cancel()


asyncio.run(main())
