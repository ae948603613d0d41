"""`pyinspect compare`: the same work run serially, on a thread pool and on a process pool, measured.

Runs in the supervised child under the host. Returns plain figures; the recommendation is decided in Swift
(CompareRecommendation). Workers of the process pool are started through sys.executable (pyinspect-python):
they are measured from the outside (/proc/<pid>/stat and status), so nothing of ours has to run in them.
"""
import os
import pickle
import sys
import time

from . import fastjson

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load(spec):
    """The target function from "path/to/file.py:function" or "package.module:function"."""
    location, _, name = spec.rpartition(":")
    if not location or not name:
        raise ValueError(f"target must be file.py:function or module:function, not {spec!r}")
    import importlib
    if location.endswith(".py") or os.sep in location:
        path = os.path.abspath(location)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"can't open file '{location}': No such file or directory")
        directory = os.path.dirname(path)
        if directory not in sys.path:
            sys.path.insert(0, directory)  # as python3 does for a script; workers get sys.path from us
        module = importlib.import_module(os.path.splitext(os.path.basename(path))[0])
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        module = importlib.import_module(location)
    function = getattr(module, name, None)
    if not callable(function):
        raise LookupError(f"{location} has no function {name!r}")
    return function


def _serial(function, tasks):
    load = _Load()
    results = [function(i) for i in range(tasks)]
    return load.figures(), results


def _threads(function, tasks, workers):
    from concurrent.futures import ThreadPoolExecutor
    load = _Load()
    pool = ThreadPoolExecutor(max_workers=workers)
    interrupted = False
    try:
        results = list(pool.map(function, range(tasks)))
        waits = _thread_waits()  # while the pool's threads are alive: their run delay can be read
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C: the calls still running are not waited for; the measuring process ends
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=interrupted)
    return load.figures(waits=waits), results


def _proc_figures(pid):
    """CPU seconds and peak RSS of a live process, read from the outside."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        peak = 0
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
        return cpu, peak
    except (OSError, ValueError, IndexError):
        return 0.0, 0


def _processes(function, tasks, workers, method):
    import multiprocessing
    context = multiprocessing.get_context(method)
    load = _Load()
    pool = context.Pool(workers)
    try:
        pool.apply(int)  # every worker process is up once one has answered
        startup = time.perf_counter() - load.started
        results = pool.map(function, range(tasks), chunksize=1)
        pids = [process.pid for process in list(pool._pool)]
        workers_cpu, peaks = 0.0, []
        for pid in pids:
            process_cpu, peak = _proc_figures(pid)
            workers_cpu += process_cpu
            peaks.append(peak)
        figures = load.figures(workers_cpu=workers_cpu, worker_pids=pids)
    finally:
        pool.terminate()
        pool.join()
    figures.update({"startup_s": startup, "peak_rss_bytes": max(peaks) if peaks else 0,
                    "worker_peak_rss_bytes": peaks})
    return figures, results


class _Load:
    """A mode's wall and CPU, and how much of the machine it had: the CPU other processes used on the cores we
    may run on over the same interval (/proc/stat's busy ticks minus our own CPU), the time our threads and
    workers were runnable but waiting for a CPU (schedstat), and the 1-minute load average when it started.
    Every machine figure is left out where /proc does not give it."""

    def __init__(self):
        self.cpus = _our_cpus()
        self.load_average = _load_average()
        self.waits = _thread_waits()
        self.busy = _busy_ticks(self.cpus)
        self.started, self.cpu = time.perf_counter(), time.process_time()

    def figures(self, workers_cpu=0.0, worker_pids=(), waits=None):
        """The figures at the end of the mode; `waits`: the threads' run delays read earlier (before they ended)."""
        wall = time.perf_counter() - self.started
        ours = time.process_time() - self.cpu + workers_cpu
        busy = _busy_ticks(self.cpus)
        figures = {"wall_s": wall, "cpu_s": ours, "cores": len(self.cpus)}
        if self.load_average is not None:
            figures["load_average_1m"] = self.load_average
        if busy is not None and self.busy is not None and wall > 0:
            figures["other_cpu_s"] = max(0.0, (busy - self.busy) / _CLOCK_TICKS - ours)
        waits = _thread_waits() if waits is None else waits
        if waits is not None and self.waits is not None:
            delay = sum(wait - self.waits.get(tid, 0) for tid, wait in waits.items())
            for pid in worker_pids:  # pool workers are single-threaded processes started in this interval
                delay += _schedstat_wait(f"/proc/{pid}/schedstat") or 0
            figures["run_delay_s"] = max(0, delay) / 1e9
        return figures


def _our_cpus():
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))


def _busy_ticks(cpus):
    """Clock ticks the given CPUs spent busy since boot (/proc/stat: all but idle and iowait; steal counts as
    busy, the hypervisor gave that time to someone else), or None."""
    try:
        with open("/proc/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    wanted = {f"cpu{n}" for n in cpus}
    total, seen = 0, 0
    for line in text.split("\n"):
        if not line.startswith("cpu"):
            break
        fields = line.split()
        if fields[0] in wanted:
            try:
                values = [int(value) for value in fields[1:9]]  # user nice system idle iowait irq softirq steal
            except ValueError:
                return None
            total += sum(values) - values[3] - values[4]
            seen += 1
    return total if seen == len(wanted) and seen else None


def _load_average():
    try:
        with open("/proc/loadavg") as handle:
            return float(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _schedstat_wait(path):
    """Nanoseconds the task spent runnable but waiting for a CPU (/proc/.../schedstat's second field)."""
    try:
        with open(path) as handle:
            return int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _thread_waits():
    """{thread id: run delay in ns} for every thread of this process, or None without schedstat."""
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return None
    waits = {}
    for tid in tids:
        wait = _schedstat_wait(f"/proc/self/task/{tid}/schedstat")
        if wait is not None:
            waits[tid] = wait
    return waits if waits else None


def _pickled_bytes(function, tasks, results):
    """What pool.map sends: the function reference and each argument out, each result back."""
    out = sum(len(pickle.dumps((function, i))) for i in range(tasks))
    back = sum(len(pickle.dumps(result)) for result in results)
    return out, back


def _reset_peak_rss():
    """Starts this process's peak RSS afresh (Linux: "5" to clear_refs), so a mode's peak is its own and not an
    earlier round's (the results of a process round are unpickled in this process). Where it can't, the peak
    stays the process's, and the least of the rounds is still the best figure."""
    try:
        with open("/proc/self/clear_refs", "w") as control:
            control.write("5")
    except OSError:
        pass


def _peak_rss_self():
    """The peak RSS since the last _reset_peak_rss (VmHWM), else since the process started."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(argument):
    """One round of all three modes. Argument: {"target", "tasks", "workers", "start_method", "mode"?}."""
    options = fastjson.loads(argument)
    function = load(options["target"])
    tasks, workers, method = options["tasks"], options["workers"], options["start_method"]
    mode = options.get("mode")
    figures = {}
    try:
        if mode in (None, "serial"):
            _reset_peak_rss()
            figures["serial"], _ = _serial(function, tasks)
            figures["serial"]["peak_rss_bytes"] = _peak_rss_self()
        if mode in (None, "threads"):
            _reset_peak_rss()
            figures["threads"], _ = _threads(function, tasks, workers)
            figures["threads"]["peak_rss_bytes"] = _peak_rss_self()
        if mode in (None, "processes"):
            figures["processes"], results = _processes(function, tasks, workers, method)
            out, back = _pickled_bytes(function, tasks, results)
            figures["processes"]["pickled_bytes_out"] = out
            figures["processes"]["pickled_bytes_back"] = back
    except Exception as error:  # the target raised: say which mode and what
        return fastjson.dumps({"ok": False, "raised": _describe(error)})
    return fastjson.dumps({"ok": True, "modes": figures})


def check(argument):
    """Loads the target once: {"ok": true} or the problem, as a usage error of its own."""
    options = fastjson.loads(argument)
    try:
        function = load(options["target"])
    except SyntaxError as error:
        return fastjson.dumps({"ok": False, "problem": "syntax_error",
                               "message": f"syntax error in {error.filename}, line {error.lineno}: {error.msg}"})
    except (FileNotFoundError, ModuleNotFoundError, LookupError) as error:
        return fastjson.dumps({"ok": False, "problem": "not_found", "message": str(error)})
    except ValueError as error:
        return fastjson.dumps({"ok": False, "problem": "usage", "message": str(error)})
    except Exception as error:
        return fastjson.dumps({"ok": False, "problem": "raised", "raised": _describe(error)})
    from .call_shape import mismatch
    wrong = mismatch(function, (0,), "compare calls {name}(i) with one integer i (0 <= i < --tasks)",
                     "wrap it in a module-level function of one argument, e.g. def task(i): {name}(...)")
    if wrong:
        return fastjson.dumps({"ok": False, "problem": "usage", "message": wrong})
    return fastjson.dumps({"ok": True})


def _describe(error):
    import traceback
    frames = traceback.extract_tb(error.__traceback__)
    stack = [{"file": frame.filename, "line": frame.lineno or 0, "function": frame.name}
             for frame in reversed(frames) if "/pyscripts/pyinspect/" not in frame.filename]
    return {"type": type(error).__qualname__, "message": str(error)[:2000], "stack": stack}
