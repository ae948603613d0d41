"""A child that is not Python (sh -c): listed with role "command" from its command and its reaper's figures."""
import subprocess

SCRIPT = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3"

if __name__ == "__main__":
    result = subprocess.run(["sh", "-c", SCRIPT])
    print("command exit", result.returncode)
