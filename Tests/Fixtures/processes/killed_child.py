"""A child through sys.executable killed with SIGKILL once it is up: it never records its own end."""
import subprocess
import sys

CHILD = "import sys, time; sys.stdout.write('up\\n'); sys.stdout.flush(); time.sleep(60)"

if __name__ == "__main__":
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE)
    child.stdout.readline()
    child.kill()
    print("returncode", child.wait())
