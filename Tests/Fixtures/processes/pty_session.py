# What both terminal drivers do with the master side of a pseudo-terminal: collect the command's output, wait for
# a text in it, and reap the command without ever hanging the test suite.
import os
import select
import signal
import time

# Blocking system calls a process of the job may wait in (read of the terminal, sleep, waiting for a child or a
# signal), by number: /proc/PID/syscall names the call a blocked thread is in by its number.
_BLOCKING = {
    "x86_64": {0, 7, 23, 35, 61, 128, 230, 232, 247, 270, 271, 281},
    "aarch64": {22, 63, 72, 73, 95, 101, 115, 137, 260},
}


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

    def wait_until_blocked(self, root):
        """Waits until every process under `root` (and root) sits in a blocking call. A Ctrl-C typed while the
        target is between printing its prompt and entering read() sets Python's signal flag where nothing
        checks it: the read then blocks for ever, under python3 as under pyinspect. A busy machine widens that
        window enough to lose the test; so the key is typed only once the job waits."""
        blocking = _BLOCKING.get(os.uname().machine)
        if blocking is None:
            return
        while time.monotonic() < self.deadline:
            if all(self._blocked(pid, blocking) for pid in _tree(root)):
                return
            time.sleep(0.02)

    @staticmethod
    def _blocked(pid, blocking):
        try:
            with open(f"/proc/{pid}/syscall") as file:
                number = file.read().split()[0]
        except (OSError, IndexError):
            return True  # gone, or not ours to read: nothing to wait for
        return number.lstrip("-").isdigit() and int(number) in blocking

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


def _tree(root):
    """root and every process descending from it (from /proc's parent links)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found
