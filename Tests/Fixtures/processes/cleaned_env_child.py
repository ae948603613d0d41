"""A Python child started with a cleaned environment (env={}, as pyperf does): it loses PYINSPECT_CHILD_DIR, so it
runs without instruments, but its reaper still sees its end (exit status 7, its CPU)."""
import subprocess
import sys

CHILD = "import sys; total = sum(i * i for i in range(1_500_000)); sys.exit(7)"

if __name__ == "__main__":
    result = subprocess.run([sys.executable, "-c", CHILD], env={})
    print("child exit", result.returncode)
