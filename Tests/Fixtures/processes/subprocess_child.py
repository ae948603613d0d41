"""A child through sys.executable allocating 40 MiB; the parent itself stays small."""
import subprocess
import sys

CHILD = "data = bytearray(40 * 1024 * 1024); print(len(data))"

if __name__ == "__main__":
    subprocess.run([sys.executable, "-c", CHILD], check=True)
