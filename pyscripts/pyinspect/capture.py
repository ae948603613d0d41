"""Append-only JSON-lines capture file shared by every instrument of one run."""
import os
import time

from . import fastjson

_path = None
_start_monotonic = time.monotonic()
# The target's pid: a process it forks inherits these helpers and must not write records of its own.
_owner_pid = None
# One descriptor kept open for when the target has used up its descriptors (EMFILE), checked by inode.
_reserve = [None, None]


def open_capture(path, reserve=True):
    """reserve=False (a child process's own file) keeps no descriptor open: a child lists its descriptors too."""
    global _path, _owner_pid
    _path = path
    _owner_pid = os.getpid()
    if not reserve:
        return
    try:
        fd = _out_of_the_way(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600))
        stat = os.fstat(fd)
        _reserve[0], _reserve[1] = fd, (stat.st_dev, stat.st_ino)
    except OSError:
        pass


def _out_of_the_way(fd):
    """Moves a descriptor near the top of the allowed range, so the target's own files get the numbers they
    would under python3 (its first open() is fd 3)."""
    import fcntl  # built in, free to import
    for floor in (992, 224):  # EINVAL when above the descriptor limit: try lower
        try:
            high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor)
            break
        except OSError:
            continue
    else:
        return fd
    os.close(fd)
    return high


def is_owner():
    return _owner_pid == os.getpid()


def seconds_since_start():
    return time.monotonic() - _start_monotonic


def _reserved_fd():
    fd, identity = _reserve
    if fd is None:
        return None
    try:
        stat = os.fstat(fd)
    except OSError:
        return None
    return fd if (stat.st_dev, stat.st_ino) == identity else None


def write(record):
    """Append one record, stamped with the writer's pid. Opens by path each time: the target may close or
    reuse any descriptor; when it has none left, the reserved descriptor (if still ours) is used."""
    if _path is None or not is_owner():
        return
    record["pid"] = _owner_pid
    data = (fastjson.dumps(record) + "\n").encode("ascii")
    try:
        fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        fd = _reserved_fd()
        if fd is not None:
            os.write(fd, data)
        return
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
