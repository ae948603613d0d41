"""A task is still pending when its loop is closed."""
import asyncio


async def forever():
    await asyncio.sleep(3600)


loop = asyncio.new_event_loop()
task = loop.create_task(forever(), name="sleeper")  # line 10
loop.run_until_complete(asyncio.sleep(0.01))
loop.close()
print("closed")
