"""A service-like program that makes more asyncio tasks than the profiler's task table holds (70,000 short
ones), then runs `crunch` in a task of its own: its samples must still say which coroutine ran."""
import asyncio
import time


async def tiny():
    pass


async def crunch():
    end = time.monotonic() + 0.6
    total = 0
    while time.monotonic() < end:
        total += sum(range(200))
    return total


async def main():
    for _ in range(70):
        await asyncio.gather(*(tiny() for _ in range(1000)))
    await asyncio.create_task(crunch())


asyncio.run(main())
