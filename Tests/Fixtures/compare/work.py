"""Work for `pyinspect compare`: each function is called as f(i)."""
import hashlib
import time

BUFFER = bytes(range(256)) * 65536  # 16 MiB, built once per process


def cpu_loop(i):
    """Pure Python: holds the GIL throughout."""
    total = 0
    for k in range(3_000_000):
        total += (k * i) % 7
    return total


def sleeps(i):
    """Waits: the GIL is free while it sleeps."""
    time.sleep(0.15)
    return i


def big_result(i):
    """Returns tens of megabytes: sending them back from a process costs more than making them."""
    return bytes(24 * 1024 * 1024)


def hashes(i):
    """hashlib releases the GIL while it hashes large buffers."""
    digest = hashlib.sha256()
    for _ in range(4):
        digest.update(BUFFER)
    return digest.hexdigest()


def raises(i):
    if i == 3:
        raise ValueError(f"task {i} failed on purpose")
    return i


def raises_hostile(i):
    """An exception message made to run script if a report pasted it into HTML unescaped."""
    raise ValueError("<script>pyinspectPwned('message')</script><img src=x onerror=pyinspectPwned('img')>")
