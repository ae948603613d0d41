# What both terminal drivers do with the master side of a pseudo-terminal: collect the command's output, wait for
# a text in it, and reap the command without ever hanging the test suite.
import os
import select
import signal
import time


class PtySession:
    def __init__(self, master, seconds):
        self.master = master
        self.output = b""
        self.deadline = time.monotonic() + seconds

    def seen(self, text):
        # The terminal may put the echo of typed input or another process's line end inside a line ("got\r\n
        # again"): the kernel interleaves writes between the pieces its output processing splits them into.
        return text is not None and (text in self.output or text in self.output.replace(b"\r\n", b""))

    def read_until(self, text=None):
        """Reads until `text` was seen, the terminal closed or the deadline passed (text None: until either of
        the last two). True when `text` was seen."""
        while not self.seen(text) and time.monotonic() < self.deadline:
            ready, _, _ = select.select([self.master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                self.output += chunk
        return self.seen(text)

    def wait_or_kill(self, pid):
        """The command's exit status; a command still running 30 s after the deadline is killed and reported as
        hung (status None), so a lost Ctrl-C fails the test with the output instead of hanging the suite."""
        give_up = max(self.deadline, time.monotonic()) + 30
        while time.monotonic() < give_up:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
