"""Two asyncio tasks doing 4 and 1 units per step, taking turns: heavy 0.80, light 0.20."""
import asyncio

from common import rounds, unit


def heavy():
    for _ in range(4):
        unit()


def light():
    unit()


async def worker(step):
    for _ in range(rounds(60)):
        step()
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(asyncio.create_task(worker(heavy), name="heavy-task"),
                         asyncio.create_task(worker(light), name="light-task"))


asyncio.run(main())
