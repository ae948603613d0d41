# A shell starting a command as a background job on a new pseudo-terminal, then bringing it forward (`fg`)
# once it stopped reading the terminal (SIGTTIN): types a line and Ctrl-C, prints what happened as JSON.
# Usage: /usr/bin/python3 terminal_background_job.py COMMAND...
import json
import os
import pty
import select
import signal
import sys
import time

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

output = b""
deadline = time.monotonic() + 60


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


read_until(b"|fg stopped=")
read_until(b"ready")
os.write(master, b"again\n")
read_until(b"got again")
os.write(master, b"\x03")
read_until(b"|status=")
read_until(b"|\r\n")
status = wait_or_kill(pid)
print(json.dumps({"output": output.decode("utf-8", "replace"), "hung": status is None}))
