#!/usr/bin/env python3
"""GIL tracing overhead and figures, pyinspect against gil_load (PyPI `gil-load`).

    bench/gil_bench.py --pyinspect .build/release/pyinspect --peer-python /tmp/gilpeer/bin/python

The peer python must be /usr/bin/python3's version (3.11) with gil-load installed, e.g.
    /usr/bin/python3 -m venv /tmp/gilpeer && /tmp/gilpeer/bin/pip install gil-load

Overhead: each program times its own work (perf_counter for wall, process_time for CPU), so interpreter start-up
is excluded; on a shared machine the CPU ratio and the best-of-pairs CPU ratio are the steadier figures. Pairs alternate
`pyinspect run` (no tracing) and `pyinspect gil` (tracing), swapping the order every pair; the ratio of each pair
is one sample; the median, min and max are reported. gil_load runs the same programs under the peer python
(`python -m gil_load`, which re-executes with LD_PRELOAD), bounded by a timeout because it can hang.
Prints a markdown section on stdout.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PROLOGUE = '''
import json, os, sys, threading, time
_gl = os.environ.get("PYI_BENCH_GIL_LOAD") == "1"
if _gl:
    import gil_load
    gil_load.init()
    gil_load.start()
_t0 = time.perf_counter()
_c0 = time.process_time()
'''

EPILOGUE = '''
_elapsed = time.perf_counter() - _t0
_cpu = time.process_time() - _c0
if _gl:
    gil_load.stop()
    _total, _threads = gil_load.get()
    _names = {t.ident: t.name for t in threading.enumerate()}
    _names.update(getattr(sys.modules["__main__"], "NAMES", {}))
    print("GIL_LOAD " + json.dumps({"held": _total.get("held"), "wait": _total.get("wait"),
          "threads": {_names.get(k, str(k)): v.get("held") for k, v in _threads.items()}}))
print("ELAPSED", _elapsed, _cpu)
'''

PROGRAMS = {
    "two CPU-bound threads": '''
NAMES = {}
def spin():
    NAMES[threading.get_ident()] = threading.current_thread().name
    total = 0
    for i in range(3_000_000):
        total += i * i
workers = [threading.Thread(target=spin, name=f"spinner-{i}") for i in range(2)]
for w in workers: w.start()
for w in workers: w.join()
''',
    "loop of GIL-releasing calls (os.stat, ~1 us each)": '''
for _ in range(400_000):
    os.stat(".")
''',
    "loop of GIL-releasing calls (hashlib.sha256 of 4 KiB, ~6 us each)": '''
import hashlib
data = os.urandom(4096)
for _ in range(80_000):
    hashlib.sha256(data)
''',
    "loop of GIL-releasing calls (zlib.compress 64 KiB)": '''
import zlib
data = os.urandom(1024) * 64
for _ in range(3000):
    zlib.compress(data, 1)
''',
    "one long C call beside a ticking thread": '''
stop = threading.Event()
def tick():
    while not stop.is_set():
        time.sleep(0.001)
ticker = threading.Thread(target=tick, name="ticker")
ticker.start()
time.sleep(0.05)
sum(range(30_000_000))
stop.set()
ticker.join()
''',
}

OVERHEAD_PROGRAMS = list(PROGRAMS)[:4]


def run(command, env=None, timeout=120):
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started
    return done, time.monotonic() - started


def elapsed_of(done, cpu=False):
    """The work's wall seconds, or its CPU seconds (process_time: all threads, the tracer's watcher included)."""
    if done is None or done.returncode != 0:
        return None
    for line in done.stdout.splitlines():
        if line.startswith("ELAPSED "):
            return float(line.split()[2 if cpu else 1])
    return None


def overhead(pyinspect, path, pairs):
    """Per pair: wall ratio and CPU ratio (traced over untraced), and the untraced wall times."""
    walls, cpus, plain, best = [], [], [], {"run": None, "gil": None}
    for index in range(pairs):
        order = ["run", "gil"] if index % 2 == 0 else ["gil", "run"]
        times = {}
        for mode in order:
            done, _ = run([pyinspect, mode, "--quiet", path])
            times[mode] = (elapsed_of(done), elapsed_of(done, cpu=True))
        if all(times[m][0] and times[m][1] for m in times):
            walls.append(times["gil"][0] / times["run"][0])
            cpus.append(times["gil"][1] / times["run"][1])
            plain.append(times["run"][0])
            for mode in times:
                best[mode] = times[mode][1] if best[mode] is None else min(best[mode], times[mode][1])
    best_ratio = best["gil"] / best["run"] if best["run"] and best["gil"] else None
    return walls, cpus, plain, best_ratio


def pyinspect_figures(pyinspect, path):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as report:
        report_path = report.name
    try:
        done, _ = run([pyinspect, "gil", "--quiet", "--json", report_path, path])
        if done is None or done.returncode != 0:
            return None
        with open(report_path) as handle:
            gil = json.load(handle).get("gil") or {}
        threads = {t["name"]: t["held_fraction"] for t in gil.get("threads", []) if t["held_fraction"] >= 0.005}
        waits = sum(t.get("wait_fraction") or 0 for t in gil.get("threads", []))
        return {"held": gil.get("held_fraction"), "wait": waits, "threads": threads,
                "max_hold_ms": gil.get("max_hold_ms"), "max_hold_thread": gil.get("max_hold_thread")}
    finally:
        os.unlink(report_path)


def gil_load_figures(peer, path, runs, timeout):
    results, hangs, ratios = [], 0, []
    for _ in range(runs):
        env = dict(os.environ, PYI_BENCH_GIL_LOAD="1")
        done, _ = run([peer, "-m", "gil_load", path], env=env, timeout=timeout)
        if done is None:
            hangs += 1
            continue
        figures = None
        for line in done.stdout.splitlines():
            if line.startswith("GIL_LOAD "):
                figures = json.loads(line[len("GIL_LOAD "):])
        loaded = elapsed_of(done)
        plain = elapsed_of(run([peer, path])[0])
        if figures:
            results.append(figures)
        if loaded and plain:
            ratios.append(loaded / plain)
    return results, hangs, ratios


def percent(value):
    return "–" if value is None else f"{value * 100:.1f}%"


def spread(ratios):
    if not ratios:
        return "–"
    return (f"{(statistics.median(ratios) - 1) * 100:+.1f}% "
            f"(min {(min(ratios) - 1) * 100:+.1f}%, max {(max(ratios) - 1) * 100:+.1f}%, n={len(ratios)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pyinspect", required=True, help="the pyinspect binary (a release build)")
    parser.add_argument("--peer-python", required=True, help="a python3.11 with gil-load installed")
    parser.add_argument("--pairs", type=int, default=7, help="alternating run/gil pairs per program")
    parser.add_argument("--gil-load-runs", type=int, default=3)
    parser.add_argument("--gil-load-timeout", type=float, default=30.0, help="seconds before a gil_load run counts as hung")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gil-bench-") as directory:
        paths = {}
        for index, (name, body) in enumerate(PROGRAMS.items()):
            paths[name] = os.path.join(directory, f"program_{index}.py")
            with open(paths[name], "w") as handle:
                handle.write(PROLOGUE + body + EPILOGUE)

        print("## GIL tracing: overhead and figures\n")
        print(f"`{' '.join([os.path.relpath(sys.argv[0])] + sys.argv[1:])}`; {os.cpu_count()} CPUs; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        print("Overhead: the program's own work time under `pyinspect gil` (every acquire and release traced) over "
              "`pyinspect run` (no tracing), alternating pairs; median (min, max) of the per-pair ratios, wall and CPU "
              "(all threads, the tracer's own included), and the best CPU time traced over the best untraced. "
              "gil_load: `python -m gil_load` (LD_PRELOAD) over the same python without it (wall).\n")
        print("| program | untraced work (s, median) | pyinspect gil: wall | pyinspect gil: CPU | best CPU over best CPU | gil_load: wall | gil_load hangs |")
        print("|---|---|---|---|---|---|---|")
        load_results = {}
        for name in PROGRAMS:
            results, hangs, load_ratios = gil_load_figures(options.peer_python, paths[name], options.gil_load_runs,
                                                           options.gil_load_timeout)
            load_results[name] = (results, hangs)
            if name not in OVERHEAD_PROGRAMS:
                continue
            walls, cpus, plain, best = overhead(options.pyinspect, paths[name], options.pairs)
            base = f"{statistics.median(plain):.3f}" if plain else "–"
            best_text = f"{(best - 1) * 100:+.1f}%" if best else "–"
            print(f"| {name} | {base} | {spread(walls)} | {spread(cpus)} | {best_text} | {spread(load_ratios)} | "
                  f"{hangs}/{options.gil_load_runs} |")

        print("\nFigures (GIL held, fraction of the run; per thread; waits summed over threads):\n")
        print("| program | pyinspect held | pyinspect per thread | pyinspect longest hold | gil_load held | gil_load per thread |")
        print("|---|---|---|---|---|---|")
        for name in PROGRAMS:
            ours = pyinspect_figures(options.pyinspect, paths[name])
            results, hangs = load_results[name]
            theirs = results[-1] if results else None
            ours_threads = ", ".join(f"{k} {percent(v)}" for k, v in (ours or {}).get("threads", {}).items())
            longest = (f"{ours['max_hold_ms']:.0f} ms ({ours['max_hold_thread']})"
                       if ours and ours.get("max_hold_ms") is not None else "–")
            theirs_threads = ", ".join(f"{k} {percent(v)}" for k, v in (theirs or {}).get("threads", {}).items()
                                       if (v or 0) >= 0.005)
            theirs_held = percent(theirs.get("held")) if theirs else f"no result ({hangs} hung)"
            print(f"| {name} | {percent((ours or {}).get('held'))} | {ours_threads or '–'} | {longest} | "
                  f"{theirs_held} | {theirs_threads or '–'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
