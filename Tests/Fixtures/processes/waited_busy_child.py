"""The parent waits (subprocess.run) for a Python child that computes for 2.5 s, then prints how many threads
its interpreter has: 1, as under python3 (a child at work is never given pyinspect's deadlock watcher)."""
import subprocess
import sys

CHILD = """
import sys, time
end = time.monotonic() + 2.5
while time.monotonic() < end:
    sum(range(1000))
print("threads", len(sys._current_frames()), flush=True)
"""

if __name__ == "__main__":
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
    print(done.stdout.strip(), done.returncode, flush=True)
