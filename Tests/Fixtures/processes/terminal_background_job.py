# A shell starting a command as a background job on a new pseudo-terminal, then bringing it forward (`fg`)
# once it stopped reading the terminal (SIGTTIN): types a line and Ctrl-C, prints what happened as JSON.
# Usage: /usr/bin/python3 terminal_background_job.py COMMAND...
import json
import os
import pty
import signal
import sys

from pty_session import PtySession

command = sys.argv[1:]
pid, master = pty.fork()
if pid == 0:
    # The "shell": session leader in the foreground; the job in its own group, in the background.
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.execv(command[0], command)
    os.setpgid(job, job)
    _, status = os.waitpid(job, os.WUNTRACED)
    stopped = os.WIFSTOPPED(status)
    os.tcsetpgrp(0, job)  # fg
    os.kill(-job, signal.SIGCONT)
    print("|fg stopped=%s|" % stopped, flush=True)
    _, status = os.waitpid(job, 0)
    os.tcsetpgrp(0, os.getpgrp())
    print("|status=%d|" % os.waitstatus_to_exitcode(status), flush=True)
    os._exit(0)

session = PtySession(master, 60)

session.read_until(b"|fg stopped=")
session.read_until(b"ready")
os.write(master, b"again\n")
session.read_until(b"got again")
session.wait_until_blocked(pid)
os.write(master, b"\x03")
session.read_until(b"|status=")
session.read_until(b"|\r\n")
status = session.wait_or_kill(pid)
print(json.dumps({"output": session.output.decode("utf-8", "replace"), "hung": status is None}))
