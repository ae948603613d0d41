#!/usr/bin/env python3
"""`pyinspect run --allocations` against `python3 -X tracemalloc` and `memray run`.

    bench/memory_tracing_bench.py --pyinspect .build/release/pyinspect --peer-python bench/.venv/bin/python

1. Cost: the same workloads (bench/workloads and two pyperformance benchmarks) under /usr/bin/python3 alone,
   `python3 -X tracemalloc` (1 frame, its cheapest), `memray run` (its defaults: Python allocator arenas, not
   each object, unless --trace-python-allocators), `pyinspect run` and `pyinspect run --allocations`; rounds
   rotate the order. Ratios are medians against python3 alone, min and max over the rounds.
2. Accuracy: Tests/Fixtures/allocations/kept_and_churn.py keeps a known amount at one line; tracemalloc's exact
   figure for that line against pyinspect's sampled estimate, over several runs.
Prints a markdown section on stdout.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from host_overhead import pyperformance_dir, timed  # bench/ is this script's directory, first on sys.path

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKLOADS = [("allocation-heavy", "workloads/alloc_heavy.py"), ("json", "workloads/json_roundtrip.py"),
             ("pure-Python CPU", "workloads/cpu_loop.py")]
PYPERFORMANCE = ["deltablue", "json_dumps"]
FIXTURE = os.path.join(ROOT, "Tests", "Fixtures", "allocations", "kept_and_churn.py")

TRACEMALLOC_LINE = r'''
import runpy, sys, tracemalloc
tracemalloc.start(1)
runpy.run_path(sys.argv[1], run_name="__main__")
for stat in tracemalloc.take_snapshot().statistics("lineno"):
    frame = stat.traceback[0]
    if frame.filename == sys.argv[1] and frame.lineno == int(sys.argv[2]):
        print(stat.size)
        break
else:
    print(0)
'''


def pyperformance_scripts(peer_python):
    base = pyperformance_dir(peer_python)
    if base is None:
        return []
    worker = ["--worker", "--worker-task=0", "-l", "1", "-n", "5", "-w", "1"]
    scripts = []
    for name in PYPERFORMANCE:
        script = os.path.join(base, f"bm_{name}", "run_benchmark.py")
        if os.path.exists(script):
            scripts.append((f"pyperformance {name}", script, worker))
    return scripts


def measure(label, script, arguments, pyinspect, memray, peer_python, rounds, capture_dir):
    # pyperformance scripts import pyperf: run them with the virtualenv's packages on every side.
    env = dict(os.environ)
    python = PYTHON
    if arguments:
        env["VIRTUAL_ENV"] = os.path.dirname(os.path.dirname(os.path.abspath(peer_python)))
        python = peer_python
    output = os.path.join(capture_dir, "memray.bin")
    sides = {
        "python3": [python, script, *arguments],
        "tracemalloc": [python, "-X", "tracemalloc", script, *arguments],
        "memray": [memray, "run", "-q", "-f", "-o", output, script, *arguments] if memray else None,
        "pyinspect run": [pyinspect, "run", "--quiet", script, *arguments],
        "pyinspect --allocations": [pyinspect, "run", "--quiet", "--allocations", script, *arguments],
        "pyinspect --alloc-sample 1": [pyinspect, "run", "--quiet", "--alloc-sample", "1", script, *arguments],
    }
    sides = {name: command for name, command in sides.items() if command}
    times = {name: [] for name in sides}
    names = list(sides)
    for name in names:  # warm-up: caches, bytecode
        timed(sides[name], env)
    for index in range(rounds):
        order = names[index % len(names):] + names[:index % len(names)]
        for name in order:
            times[name].append(timed(sides[name], env))
    base = times["python3"]
    figures = {}
    for name in names:
        per_round = [t / b for t, b in zip(times[name], base)]
        figures[name] = (statistics.median(times[name]) / statistics.median(base), min(per_round), max(per_round))
    print(f"  {label}: " + ", ".join(f"{n} {f[0]:.2f}x" for n, f in figures.items()), file=sys.stderr, flush=True)
    return label, statistics.median(base), figures


def accuracy(pyinspect, runs):
    line = next(number for number, text in enumerate(open(FIXTURE), 1) if "# KEPT_LINE" in text)
    exact = int(subprocess.run([PYTHON, "-c", TRACEMALLOC_LINE, FIXTURE, str(line)], capture_output=True,
                               text=True, check=True).stdout.split()[-1])
    estimates = []
    with tempfile.TemporaryDirectory() as directory:
        report = os.path.join(directory, "report.json")
        for _ in range(runs):
            subprocess.run([pyinspect, "run", "--quiet", "--allocations", "--json", report, FIXTURE],
                           stdout=subprocess.DEVNULL, check=True)
            with open(report) as handle:
                sites = json.load(handle)["allocations"]["sites"]
            estimates.append(next((s["live_bytes_at_exit"] for s in sites if s["line"] == line), 0))
    return line, exact, estimates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--accuracy-runs", type=int, default=10)
    args = parser.parse_args()
    pyinspect = os.path.abspath(args.pyinspect)
    memray = os.path.join(os.path.dirname(args.peer_python), "memray")
    memray = memray if os.path.exists(memray) else None
    rows = []
    with tempfile.TemporaryDirectory() as capture_dir:
        for label, script in WORKLOADS:
            rows.append(measure(label, os.path.join(HERE, script), [], pyinspect, memray, args.peer_python,
                                args.rounds, capture_dir))
        for label, script, arguments in pyperformance_scripts(args.peer_python):
            rows.append(measure(label, script, arguments, pyinspect, memray, args.peer_python, args.rounds,
                                capture_dir))
    line, exact, estimates = accuracy(pyinspect, args.accuracy_runs)

    names = list(rows[0][2])
    print("## Memory tracing: `pyinspect run --allocations` vs `python3 -X tracemalloc` and `memray run`\n")
    print(f"{args.rounds} rounds per workload after a warm-up, the order of the sides rotating each round. "
          "Ratio = median time / median time of `/usr/bin/python3` alone on the same workload; (min–max) over "
          "the rounds. pyinspect samples one allocation per 256 KiB on average with its whole Python stack; "
          "tracemalloc records every block with 1 frame (`-X tracemalloc`, its cheapest setting); memray records "
          "every `malloc` with its Python stack and writes a capture file, but by default sees Python's small "
          "objects only as the allocator's arenas.\n")
    print("| workload | python3 | " + " | ".join(names[1:]) + " |")
    print("|---|---|" + "---|" * (len(names) - 1))
    for label, base, figures in rows:
        cells = [f"**{figures[n][0]:.2f}x** ({figures[n][1]:.2f}–{figures[n][2]:.2f})" for n in names[1:]]
        print(f"| {label} | {base * 1000:.0f} ms | " + " | ".join(cells) + " |")
    geomeans = {}
    for name in names[1:]:
        product = 1.0
        for _, _, figures in rows:
            product *= figures[name][0]
        geomeans[name] = product ** (1 / len(rows))
    print("| geometric mean | | " + " | ".join(f"**{geomeans[n]:.2f}x**" for n in names[1:]) + " |")
    errors = [e / exact - 1 for e in estimates]
    print(f"\nAccuracy: `{os.path.relpath(FIXTURE, ROOT)}` line {line} keeps {exact / 2**20:.1f} MiB "
          f"(tracemalloc, exact). pyinspect's sampled estimate over {len(estimates)} runs: median "
          f"{statistics.median(estimates) / 2**20:.1f} MiB, error {statistics.median(errors) * 100:+.1f}% "
          f"(from {min(errors) * 100:+.1f}% to {max(errors) * 100:+.1f}%). `--alloc-sample 1` records every "
          "allocation and is exact, like tracemalloc; its cost is the last column.\n")


if __name__ == "__main__":
    main()
