"""Tasks per creation site (issue 18, `unbounded_concurrency`): how many each site created, how many of them were
alive at once (exact: counted at creation and by a done callback), how many one step created (a burst: a gather
or a loop without an await), whether they answer incoming connections, and, sampled every 0.5 s while a site has
many alive, how many were not queued in one of the program's asyncio primitives and how many waited on I/O.
Written as one `task_sites` record at the end; Swift (ConcurrencyAnalysis) decides what is a finding.

Costs one creation-site walk, a few list updates and a done callback per task, nothing per step.
"""
import errno
import os

from . import capture
from .hang_frames import _HERE, _is_library

SAMPLE_FROM = 200       # a site's tasks are sampled (O(its tasks), every 0.5 s) only while this many are alive
SAMPLED_ENOUGH = 1000   # ...and until this many were seen active at once (the finding's threshold is Swift's)
FAST_LOOKS = 5          # looks at every tick, then every 0.5 s
MAX_LOOKS = 40
_last_look = [0.0]
_FD_ERRORS = (errno.EMFILE, errno.ENFILE)
# Frames of asyncio's transports calling a protocol for a new connection: tasks made there answer clients.
_TRANSPORT_FILES = ("selector_events.py", "proactor_events.py", "sslproto.py", "streams.py")

# The per-site entry, a list (cheaper than an object): indexes.
SITE, CREATED, ALIVE, PEAK, BURST, STAMP, CREATOR, RUN, CONNECTIONS, ACTIVE, IO, FD_ERRORS, SAMPLED = range(13)
entries = {}            # (file, line) -> entry
by_task = {}            # id(task) -> entry


def _site_of(frame, coro):
    """(site, connections): the first frame of the program above create_task (else the coroutine's own code, for
    a task the library made, e.g. a stream server's handler); connections: made while a transport hands over a
    new connection (connection_made), directly or by the library."""
    site = None
    connections = False
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename
        if filename.startswith(_ASYNCIO_DIR):
            if code.co_name == "_run" and filename.endswith("events.py"):
                break  # the loop's callback: above it, the loop itself
            if filename.endswith(_TRANSPORT_FILES) and code.co_name in ("connection_made", "_accept_connection", "_accept_connection2"):
                connections = True
        elif site is None and not filename.startswith(_HERE) and not _is_library(filename):
            site = (filename, frame.f_lineno or 0)
        frame = frame.f_back
    if site is None:
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if code is not None:
            site = (code.co_filename, code.co_firstlineno)
    return site, connections


def created(task, coro, frame, stamp, creator):
    """Called by the create_task wrapper (frame: its caller's). `stamp`: the loop iteration's stamp and `creator`
    the running task: the same pair as the site's last creation means the same step (a burst)."""
    site, connections = _site_of(frame, coro)
    if site is None:
        return None
    entry = entries.get(site)
    if entry is None:
        entry = entries[site] = [{"file": site[0], "line": site[1]}, 0, 0, 0, 0, None, None, 0, False, 0, 0, 0, 0]
    entry[CREATED] += 1
    alive = entry[ALIVE] = entry[ALIVE] + 1
    if alive > entry[PEAK]:
        entry[PEAK] = alive
    if stamp == entry[STAMP] and creator is entry[CREATOR]:
        run = entry[RUN] = entry[RUN] + 1
        if run > entry[BURST]:
            entry[BURST] = run
    else:
        entry[STAMP], entry[CREATOR], entry[RUN] = stamp, creator, 1
        if entry[BURST] == 0:
            entry[BURST] = 1
    if not connections and creator is not None:
        parent = by_task.get(id(creator))
        connections = parent is not None and parent[CONNECTIONS]
    if connections:
        entry[CONNECTIONS] = True
    by_task[id(task)] = entry
    task.add_done_callback(_done)
    return entry


def _done(task):
    entry = by_task.get(id(task))
    if entry is None:
        return
    entry[ALIVE] -= 1
    # Reading _exception does not mark it retrieved (exception() would).
    if not task.cancelled() and getattr(getattr(task, "_exception", None), "errno", None) in _FD_ERRORS:
        entry[FD_ERRORS] += 1


def site_of(task):
    entry = by_task.get(id(task))
    return entry[SITE] if entry is not None else None


def prune(alive_ids):
    for key in [key for key in by_task if key not in alive_ids]:
        del by_task[key]


def sample(now, all_tasks):
    """The tick's look at sites with many tasks alive: how many are active (started, not queued in an asyncio
    Semaphore, Lock, Queue, Event or Condition) and how many wait on I/O (a socket or stream). At every tick (50
    ms) for a site's first FAST_LOOKS, so a burst that lasts a fraction of a second is seen, then every 0.5 s, at
    most MAX_LOOKS in all, and none once SAMPLED_ENOUGH were active at once: O(tasks) per look, never per step.
    Each task is judged by its own coroutine chain (where its innermost coroutine is), not by an index of the
    primitives' waiters: the loop thread runs on while the look walks thousands of tasks (the GIL's switch
    interval), and a waiter index built first was stale by the end."""
    busy = [entry for entry in entries.values() if entry[ALIVE] >= SAMPLE_FROM and entry[ACTIVE] < SAMPLED_ENOUGH
            and (entry[SAMPLED] < FAST_LOOKS or (entry[SAMPLED] < MAX_LOOKS and now - _last_look[0] >= 0.5))]
    if not busy:
        return
    _last_look[0] = now
    counts = {id(entry): [0, 0] for entry in busy}
    for task in all_tasks():
        entry = by_task.get(id(task))
        if entry is None:
            continue
        count = counts.get(id(entry))
        if count is None or task.done():
            continue
        state = _state(task.get_coro())
        if state is None:
            continue
        count[0] += 1
        if state:
            count[1] += 1
    for entry in busy:
        active, io = counts[id(entry)]
        entry[SAMPLED] += 1
        if active > entry[ACTIVE]:
            entry[ACTIVE] = active
        if io > entry[IO]:
            entry[IO] = io


_QUEUED = {("locks.py", "acquire"), ("locks.py", "wait"), ("queues.py", "get"), ("queues.py", "put"),
           ("queues.py", "join"), ("hang_asyncio.py", "acquire")}
_IO_FILES = ("streams.py", "selector_events.py", "base_events.py", "sslproto.py")


def _state(coro):
    """None: not started, or queued (its innermost coroutine waits in an asyncio primitive, or in pyinspect's own
    Lock.acquire); True: waiting in asyncio's socket or stream code; False: anything else (running, sleeping)."""
    if getattr(coro, "cr_running", False):
        return False
    if not getattr(coro, "cr_suspended", True):
        return None  # not started yet: waits its turn in the loop's ready queue
    code = None
    while coro is not None:
        inner = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if inner is None:
            break  # the future it awaits (a C iterator)
        code = inner
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    if code is None:
        return False
    filename = code.co_filename
    if filename.startswith(_ASYNCIO_DIR) or filename.startswith(_HERE):
        name = os.path.basename(filename)
        if (name, code.co_name) in _QUEUED:
            return None
        return name in _IO_FILES
    return False


def record():
    """The `task_sites` record: every site, most alive at once first, with the process's file descriptor limit."""
    if not entries:
        return None
    try:
        import resource
        fd_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):
        fd_limit = None
    rows = []
    for entry in sorted(entries.values(), key=lambda entry: (-entry[PEAK], -entry[CREATED])):
        row = {"site": entry[SITE], "created": entry[CREATED], "peak": entry[PEAK], "burst": entry[BURST],
               "connections": entry[CONNECTIONS], "fd_errors": entry[FD_ERRORS]}
        if entry[SAMPLED]:
            row["peak_active"] = entry[ACTIVE]
            row["peak_io"] = entry[IO]
        rows.append(row)
    result = {"record": "task_sites", "sites": rows}
    if fd_limit is not None and fd_limit >= 0:
        result["fd_limit"] = fd_limit
    return result


def write():
    """Once, at the end (exit or stop)."""
    found = record()
    if found is not None and not _written:
        _written.append(True)
        capture.write(found)


_written = []
_ASYNCIO_DIR = os.path.join(os.path.dirname(os.__file__), "asyncio") + os.sep
