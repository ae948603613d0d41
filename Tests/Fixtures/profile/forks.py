# Forks while the sampler walks the thread list: CPython 3.11's child takes HEAD_LOCK before re-initialising it,
# so a fork in mid-walk would deadlock the child. Each child runs asyncio (the task hook) and leaves.
import asyncio
import os


async def step():
    await asyncio.sleep(0.001)


for _ in range(40):
    pid = os.fork()
    if pid == 0:
        asyncio.run(step())
        os._exit(0)
    os.waitpid(pid, 0)
print("forks done")
