"""A child through sys.executable whose asyncio task awaits a future nobody sets while its loop idles; the
parent waits for the child (subprocess.run), for ever: the run's deadlock. The child's finding names the awaiting
line."""
import subprocess
import sys

CHILD = """
import asyncio

async def main():
    never = asyncio.get_running_loop().create_future()
    await never  # nobody sets it

asyncio.run(main())
"""

if __name__ == "__main__":
    subprocess.run([sys.executable, "-c", CHILD])
