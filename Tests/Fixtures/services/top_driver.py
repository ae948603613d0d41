# Runs `pyinspect top SOCKET` on a new pseudo-terminal and quits it as a user would: `q`, Ctrl-C, or ends the
# target under it (SIGTERM to TARGET_PID). Prints what top drew, how it ended, and whether the terminal's mode
# was put back, as JSON.
# Usage: /usr/bin/python3 top_driver.py q|ctrl-c|target-ends PYINSPECT SOCKET [TARGET_PID]
import json
import os
import pty
import signal
import sys
import termios

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "processes"))
from pty_session import PtySession  # noqa: E402

action, pyinspect, socket = sys.argv[1], sys.argv[2], sys.argv[3]
pid, master = pty.fork()
if pid == 0:
    os.execv(pyinspect, [pyinspect, "top", socket, "--interval", "0.3"])

session = PtySession(master, float(os.environ.get("DRIVER_SECONDS", "120")))
framed = session.read_until(b"q quits") and session.read_until(b"THREAD")
raw_while_drawing = not termios.tcgetattr(master)[3] & termios.ICANON
if action == "q":
    os.write(master, b"q")
elif action == "ctrl-c":
    os.write(master, b"\x03")
else:
    os.kill(int(sys.argv[4]), signal.SIGTERM)
session.read_until()  # to the end of its output
status = session.wait_or_kill(pid)
# A new pseudo-terminal starts cooked (canonical, echoing, signals on): what top must leave behind. Its mode is
# read through the master (Linux), after the command ended.
after = termios.tcgetattr(master)[3]
wanted = termios.ICANON | termios.ECHO | termios.ISIG
print(json.dumps({"output": session.output.decode("utf-8", "replace"), "status": status, "framed": framed,
                  "raw_while_drawing": raw_while_drawing, "restored": after & wanted == wanted}))
