# Two asyncio tasks doing 4 and 1 units of the same work per step: by construction the task named "heavy"
# takes 0.80 of the samples taken while a task runs, "light" 0.20.
import asyncio


def unit():
    total = 0
    for i in range(20000):
        total += i * i
    return total


async def heavy_steps(steps):
    for _ in range(steps):
        for _ in range(4):
            unit()
        await asyncio.sleep(0)


async def light_steps(steps):
    for _ in range(steps):
        unit()
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(
        asyncio.create_task(heavy_steps(80), name="heavy"),
        asyncio.create_task(light_steps(80), name="light"),
    )


asyncio.run(main())
