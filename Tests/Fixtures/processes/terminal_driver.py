# Runs a command on a new pseudo-terminal as a shell runs a foreground job, and types at it: Ctrl-C, or Ctrl-Z
# then "fg" (SIGCONT) then Ctrl-C. Prints what the command wrote and how it ended, as JSON.
# Usage: /usr/bin/python3 terminal_driver.py interrupt|suspend COMMAND...
import json
import os
import pty
import signal
import sys

from pty_session import PtySession

action, command = sys.argv[1], sys.argv[2:]
pid, master = pty.fork()
if pid == 0:
    os.execv(command[0], command)

session = PtySession(master, float(os.environ.get("DRIVER_SECONDS", "120")))
stopped = None
session.read_until(b"ready")
if action == "suspend":
    os.write(master, b"\x1a")  # Ctrl-Z
    # The job stops: the command (pyinspect) itself must stop, as the shell sees it.
    _, status = os.waitpid(pid, os.WUNTRACED)
    stopped = os.WIFSTOPPED(status)
    os.kill(pid, signal.SIGCONT)  # what `fg` sends
    session.output += b"|resumed|"
    os.write(master, b"again\n")
    session.read_until(b"got again")
session.wait_until_blocked(pid)
os.write(master, b"\x03")  # Ctrl-C
session.read_until()  # to the end of its output
status = session.wait_or_kill(pid)
print(json.dumps({"output": session.output.decode("utf-8", "replace"), "stopped": stopped, "status": status}))
