"""A task awaits a future that nothing will ever set."""
import asyncio


async def waiter(future):
    value = await future  # line 6
    print("got", value)


async def main():
    future = asyncio.get_running_loop().create_future()
    print("waiting for the future")  # still in Python's buffer (stdout is a pipe) when the target is stopped
    await asyncio.create_task(waiter(future), name="waiter")


asyncio.run(main())
