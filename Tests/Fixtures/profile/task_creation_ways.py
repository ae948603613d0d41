# asyncio tasks made every way a program can make one, each running its own coroutine for the same work:
# asyncio.Task(coro) directly, loop.create_task, asyncio.ensure_future, a TaskGroup, and asyncio.create_task.
# Each must be reported under its own name and coroutine.
import asyncio


def unit():
    total = 0
    for i in range(20000):
        total += i * i
    return total


async def steps(count):
    for _ in range(count):
        unit()
        await asyncio.sleep(0)


async def direct_steps(count):
    await steps(count)


async def loop_steps(count):
    await steps(count)


async def ensured_steps(count):
    await steps(count)


async def grouped_steps(count):
    await steps(count)


async def created_steps(count):
    await steps(count)


async def main():
    count = 60
    loop = asyncio.get_running_loop()
    direct = asyncio.Task(direct_steps(count), name="direct")
    from_loop = loop.create_task(loop_steps(count), name="from-loop")
    ensured = asyncio.ensure_future(ensured_steps(count))
    created = asyncio.create_task(created_steps(count), name="created")
    async with asyncio.TaskGroup() as group:
        group.create_task(grouped_steps(count), name="grouped")
    await asyncio.gather(direct, from_loop, ensured, created)


asyncio.run(main())
