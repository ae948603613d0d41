# Runs a command on a new pseudo-terminal as a shell runs a foreground job, and types at it: Ctrl-C, or Ctrl-Z
# then "fg" (SIGCONT) then Ctrl-C. Prints what the command wrote and how it ended, as JSON.
# Usage: /usr/bin/python3 terminal_driver.py interrupt|suspend COMMAND...
import json
import os
import pty
import select
import signal
import sys
import time

action, command = sys.argv[1], sys.argv[2:]
pid, master = pty.fork()
if pid == 0:
    os.execv(command[0], command)

output = b""
deadline = time.monotonic() + float(os.environ.get("DRIVER_SECONDS", "120"))


def seen(text):
    # The terminal may put the echo of typed input or another process's line end inside a line ("got\r\n again"):
    # the kernel interleaves writes between the pieces its output processing splits them into.
    return text in output or text in output.replace(b"\r\n", b"")


def read_until(text):
    global output
    while not seen(text) and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            output += chunk
    return seen(text)


def wait_or_kill(pid):
    """The command's exit status; a command still running 30 s after the deadline is killed and reported as
    hung (status None), so a lost Ctrl-C fails the test with the output instead of hanging the suite."""
    give_up = max(deadline, time.monotonic()) + 30
    while time.monotonic() < give_up:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


stopped = None
read_until(b"ready")
if action == "suspend":
    os.write(master, b"\x1a")  # Ctrl-Z
    # The job stops: the command (pyinspect) itself must stop, as the shell sees it.
    _, status = os.waitpid(pid, os.WUNTRACED)
    stopped = os.WIFSTOPPED(status)
    os.kill(pid, signal.SIGCONT)  # what `fg` sends
    output += b"|resumed|"
    os.write(master, b"again\n")
    read_until(b"got again")
os.write(master, b"\x03")  # Ctrl-C
while time.monotonic() < deadline:
    ready, _, _ = select.select([master], [], [], 1)
    if ready:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
status = wait_or_kill(pid)
print(json.dumps({"output": output.decode("utf-8", "replace"), "stopped": stopped, "status": status}))
