"""The multiprocessing deadlock: a thread joins a child process (Process.join) that can never end, because the
child put a large item on a multiprocessing Queue, its feeder thread is blocked writing the queue's pipe (nobody
reads it: the parent sits in join), and the child's exit joins that feeder thread.

Seen from the target, by the hang monitor's tick (hangs.tick): a thread has been in Process.join on child X for
JOIN_LOOK_S; X is asked for its stacks (child_stacks.c: a signal, X writes $PYINSPECT_CHILD_DIR/<pid>.stacks);
if its threads are all the feeder blocked writing and threads joining, and a second look CONFIRM_S later finds
the same with no byte written in between (/proc/<pid>/io wchar), it is the deadlock. A child that sleeps, computes
or writes to a queue someone reads is never one.

The other way a join never ends: the child's own threads deadlock (two locks taken in opposite orders) or its
loop waits for ever. Its stacks show no feeder, so the child is asked to watch itself (WATCH_REQUEST: a signal
whose Python-level handler child_process.py set starts child_hangs' watcher, which judges with the target's
rules); when its `hang_snapshot` of a deadlock reaches its file, the join is the target's deadlock too. With
--timeout the child watched itself from its start and the snapshot is usually there already.

Where the child put: Queue.put is wrapped (after the target imports multiprocessing.queues; a fork child inherits
the wrapper) to append each new call site once per queue to $PYINSPECT_CHILD_DIR/<pid>.puts.
"""
import os
import sys

from . import fastjson, import_hooks
from .hang_frames import _frame_list, _record, _site, _thread_name

JOIN_LOOK_S = 1.0
CONFIRM_S = 0.5
WATCH_REQUEST_OFFSET = 4  # SIGRTMAX - 4: child_process.py's handler starts the child's deadlock watcher
_directory = [None]
_seen_puts = set()
# child pid -> {"since", "asked", "wchar", "confirmed_once"}
_state = {}


def install():
    """Once (multiprocessing imported, or a first blocking wait for a child)."""
    directory = os.environ.get("PYINSPECT_CHILD_DIR")
    if not directory or _directory[0] is not None:
        return
    _directory[0] = directory
    import_hooks.after_import("multiprocessing.queues", _patch_queues)


def _patch_queues(queues):
    for cls in (queues.Queue, queues.JoinableQueue):
        original = cls.__dict__.get("put")
        if original is None:
            continue

        def put(self, obj, block=True, timeout=None, _original=original):
            try:
                _note_put(self, sys._getframe(1))
            except Exception:
                pass
            return _original(self, obj, block, timeout)
        put.__name__, put.__qualname__, put.__doc__ = original.__name__, original.__qualname__, original.__doc__
        put.__module__ = original.__module__
        cls.put = put


def _note_put(queue, frame):
    code = frame.f_code
    key = (os.getpid(), id(queue), code.co_filename, frame.f_lineno)
    if key in _seen_puts:
        return
    _seen_puts.add(key)
    line = fastjson.dumps({"file": code.co_filename, "line": frame.f_lineno or 0, "function": code.co_name}) + "\n"
    fd = os.open("%s/%d.puts" % (_directory[0], os.getpid()), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                 0o600)
    try:
        os.write(fd, line.encode("utf-8", "replace"))
    finally:
        os.close(fd)


def _blocked_waits():
    """child_process.py's threads blocked in os.waitpid(pid, 0) now (Popen.wait, subprocess.run, a fork's
    parent): ident -> pid."""
    child_process = sys.modules.get("_pyinspect.child_process")
    return getattr(child_process, "blocked_waits", None) or {}


def _joined_children():
    """{child pid: (thread ident, innermost frame, how)} for threads in Process.join without a timeout ("joins")
    or blocked waiting for that child ("waits for")."""
    found = {}
    frames = sys._current_frames()
    for ident, pid in list(_blocked_waits().items()):
        frame = frames.get(ident)
        if frame is not None:
            found[pid] = (ident, frame, "waits for")
    for ident, frame in frames.items():
        current, depth = frame, 0
        while current is not None and depth < 12:
            code = current.f_code
            if code.co_name == "join" and code.co_filename.endswith("multiprocessing/process.py"):
                local = current.f_locals
                pid = getattr(getattr(local.get("self"), "_popen", None), "pid", None)
                if pid and local.get("timeout") is None:
                    found[pid] = (ident, frame, "joins")
                break
            current, depth = current.f_back, depth + 1
    return found


def _parse_dump(text):
    """faulthandler's text: [[(file, function), ...innermost first] per thread]."""
    threads = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("Thread 0x", "Current thread 0x")):
            threads.append([])
        elif line.startswith('File "') and threads:
            quote = line.rfind('"')
            function = line.rsplit(" in ", 1)[-1] if " in " in line[quote:] else "?"
            threads[-1].append((line[6:quote], function))
    return threads


def _feeder_blocked(threads):
    """A queue feeder blocked writing its pipe, and every other thread joining (the child's exit waits)."""
    feeders = [frames for frames in threads
               if any(function == "_feed" and file.endswith("multiprocessing/queues.py") for file, function in frames)]
    if not feeders:
        return False
    if not any(frames and frames[0][0].endswith("multiprocessing/connection.py") for frames in feeders):
        return False
    for frames in threads:
        if frames in feeders:
            continue
        if any(function == "_watch" and file.endswith("child_hangs.py") for file, function in frames):
            continue  # the child's own hang watcher (pyinspect's), not a thread of the program
        if not any(function in ("_finalize_join", "join") and file.endswith(("multiprocessing/queues.py", "threading.py"))
                   for file, function in frames):
            return False
    return True


def _wchar(pid):
    try:
        with open("/proc/%d/io" % pid, "rb") as io:
            for line in io:
                if line.startswith(b"wchar:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _ask(pid, entry, now):
    import _signal
    path = "%s/%d.stacks" % (_directory[0], pid)
    try:
        os.unlink(path)
    except OSError:
        pass
    entry["asked"] = now
    entry["answer"] = None
    entry["wchar"] = _wchar(pid)
    try:
        os.kill(pid, _signal.SIGRTMAX - 2)
    except OSError:
        entry["asked"] = None


def _answer(pid, entry):
    """(threads, bytes of the dump) or None before the child wrote it; read once per ask."""
    if entry.get("answer") is not None:
        return entry["answer"]
    path = "%s/%d.stacks" % (_directory[0], pid)
    try:
        with open(path, "rb") as dump:
            data = dump.read()
    except OSError:
        return None
    try:
        os.unlink(path)  # a look, not the stacks at a stop: those are asked for again when pyinspect stops the tree
    except OSError:
        pass
    entry["answer"] = (_parse_dump(data.decode("utf-8", "replace")), len(data))
    return entry["answer"]


def check(now):
    """Children the target deadlocked with (pids), after recording the finding; None when there are none."""
    if _directory[0] is None:
        return None
    process = sys.modules.get("multiprocessing.process")
    if (process is None or not process._children) and not _blocked_waits():
        _state.clear()
        return None
    joined = _joined_children()
    for pid in [pid for pid in _state if pid not in joined]:
        del _state[pid]
    stuck = []
    for pid, (ident, frame, how) in joined.items():
        entry = _state.setdefault(pid, {"since": now, "asked": None, "wchar": None, "confirmed_once": False})
        if now - entry["since"] < JOIN_LOOK_S:
            continue
        if entry["asked"] is None:
            if not _is_ours(pid):  # no handler for the signals: a `sleep` or a foreign python would die of them
                entry["since"] = now - JOIN_LOOK_S + 0.5  # or not started yet: looked at again in 0.5 s (a stat)
                continue
            _ask(pid, entry, now)
            continue
        answer = _answer(pid, entry)
        if answer is None:
            if now - entry["asked"] > 2.0:  # no handler there (not a Python of ours): never judged
                entry["since"] = now + 3600
            continue
        threads, dump_bytes = answer
        if not _feeder_blocked(threads):
            deadlock = _deadlock_recorded(pid, entry)
            if deadlock is not None:
                _report_child_deadlock(pid, ident, frame, how, now - entry["since"], deadlock)
                stuck.append(pid)
                continue
            if not entry.get("watch_asked"):
                # Only a child that looks stalled (the same stacks and no CPU used between two looks) is asked:
                # the watcher is a thread its program can see, so a child at work is never given one.
                cpu = _cpu_ticks(pid)
                stalled = cpu is not None and cpu == entry.get("cpu") and threads == entry.get("threads")
                entry.update(cpu=cpu, threads=threads)
                if stalled:
                    entry["watch_asked"] = _ask_to_watch(pid)
            # Looked at again in 0.5 s: the child's watcher needs its waits 0.5 s old and one 50 ms tick.
            entry.update(asked=None, confirmed_once=False, since=now - JOIN_LOOK_S + 0.5)
            continue
        if not entry["confirmed_once"]:
            if now - entry["asked"] >= CONFIRM_S:
                first = entry["wchar"]
                _ask(pid, entry, now)
                entry.update(confirmed_once=True, first_wchar=first, first_dump_bytes=dump_bytes)
            continue
        before, after = entry.get("first_wchar"), entry["wchar"]
        # Between the two looks the child wrote only its first dump, if it made no progress on the pipe.
        if before is not None and after is not None and after - before > entry["first_dump_bytes"]:
            entry.update(since=now, asked=None, confirmed_once=False)  # it wrote: someone reads
            continue
        _report(pid, ident, frame, how, now - entry["since"])
        stuck.append(pid)
    return stuck or None


def _cpu_ticks(pid):
    """utime + stime of /proc/<pid>/stat, or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def _is_ours(pid):
    """A Python process of ours: it wrote its start record, after setting the handlers of the stacks and watch
    requests (an unhandled real-time signal ends a process)."""
    return os.path.exists("%s/%d.jsonl" % (_directory[0], pid))


def _ask_to_watch(pid):
    import _signal
    if not _is_ours(pid):
        return False
    try:
        os.kill(pid, _signal.SIGRTMAX - WATCH_REQUEST_OFFSET)
    except OSError:
        return False
    return True


def _deadlock_recorded(pid, entry):
    """The child's `hang_snapshot` of a deadlock, once its watcher wrote one (read from where the last look ended)."""
    try:
        with open("%s/%d.jsonl" % (_directory[0], pid), "rb") as records:
            records.seek(entry.get("offset", 0))
            data = records.read()
    except OSError:
        return None
    complete = data.rfind(b"\n") + 1
    entry["offset"] = entry.get("offset", 0) + complete
    for line in data[:complete].splitlines():
        if b'"record":"hang_snapshot"' in line[:40] and b'"reason":"deadlock"' in line:
            try:
                return fastjson.loads(line.decode("utf-8", "replace"))
            except ValueError:
                continue
    return None


def _what_deadlocked(snapshot):
    """"threads 'a' and 'b' wait for each other's locks at f.py:12, f.py:18" or the loop's words."""
    decision = snapshot.get("decision") or {}
    cycle = set(decision.get("threads") or ())
    rows = [row for row in snapshot.get("threads", ()) if row.get("ident") in cycle]
    if rows:
        names = " and ".join("'%s'" % row.get("name") for row in rows)
        sites = ", ".join("%s:%d" % (os.path.basename(row["site"]["file"]), row["site"]["line"])
                          for row in rows if row.get("site"))
        return "whose threads %s wait for each other's locks%s" % (names, " at " + sites if sites else "")
    return "whose asyncio loop has tasks pending that nothing can wake"


def _report_child_deadlock(pid, ident, frame, how, seconds, snapshot):
    frames = _frame_list(frame)
    site = _site(frames)
    where = " at %s:%d" % (site["file"], site["line"]) if site else ""
    message = (f"thread '{_thread_name(ident)}' {how} process {pid}{where}, {_what_deadlocked(snapshot)}: the "
               f"child deadlocked and can never end (see its child_deadlock finding)")
    _record("multiprocessing_deadlock", message, thread=_thread_name(ident), site=site, stack=frames,
            seconds=round(seconds, 3))


def _report(pid, ident, frame, how, seconds):
    frames = _frame_list(frame)
    site = _site(frames)
    puts = []
    try:
        with open("%s/%d.puts" % (_directory[0], pid), encoding="utf-8", errors="replace") as lines:
            puts = [fastjson.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError):
        pass
    where = " at %s:%d" % (site["file"], site["line"]) if site else ""
    if puts:
        put_text = " at " + ", ".join("%s:%d" % (put["file"], put["line"]) for put in puts[-3:])
    else:
        put_text = ""
    message = (f"thread '{_thread_name(ident)}' {how} process {pid}{where}, which put an item "
               f"on a multiprocessing Queue{put_text} that nobody reads: the child's queue feeder thread is blocked "
               f"writing the full pipe and the child cannot exit until it is flushed. Get the items before join(), "
               f"or call cancel_join_thread() on the queue in the child")
    _record("multiprocessing_deadlock", message, thread=_thread_name(ident), site=site, stack=frames,
            seconds=round(seconds, 3))
