"""A child through sys.executable that creates a coroutine and never awaits it (a hang event in the child)."""
import subprocess
import sys

CHILD = """
async def fetch():
    return 1

fetch()  # CHILD_NEVER_AWAITED
"""

if __name__ == "__main__":
    subprocess.run([sys.executable, "-c", CHILD], check=True)
