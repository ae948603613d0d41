#!/usr/bin/env python3
"""Start-up in instructions (callgrind, every process counted), beside wall time, and pyinspect's own share of
the instructions on the workloads.

Instructions, unlike time, do not move with the machine's load. Every process is counted: valgrind follows
exec'd children (--trace-children=yes), and a forked child is split from its parent at the fork
(--dump-before=fork), because callgrind's counters in a forked child start from the parent's: summing the
processes' totals as they are printed counts what ran before the fork twice.

Usage: startup_bench.py --pyinspect .build/release/pyinspect [--workloads NAME ...] [--no-workloads]
Valgrind cannot read the DWARF 5 that Swift emits: the binaries are measured from copies stripped of their
debug information, made beside the originals (so that pyinspect finds pyscripts/ as usual) and deleted after.
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = [
    ("pure-Python CPU", "cpu_loop.py"),
    ("allocation-heavy", "alloc_heavy.py"),
    ("json", "json_roundtrip.py"),
    ("regex", "regex_scan.py"),
    ("two CPU-bound threads", "two_threads_cpu.py"),
]
TARGET = 1.3  # issue 14: `run -c pass` at most 1.3x the instructions of `pyinspect-python -c pass`


def instructions(command):
    """{"total", "processes": [(command line, instructions)]}: every process, forks split at the fork."""
    with tempfile.TemporaryDirectory(prefix="pyinspect-callgrind-") as directory:
        subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes", "--dump-before=fork",
                        f"--callgrind-out-file={directory}/cg.%p", *command],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        processes = {}
        for path in glob.glob(os.path.join(directory, "cg.*")):
            pid = os.path.basename(path).split(".")[1]
            summary, cmd = 0, ""
            with open(path, errors="replace") as dump:
                for line in dump:
                    if line.startswith("cmd:"):
                        cmd = line[4:].strip()
                    elif line.startswith("summary:"):
                        summary = int(line.split()[1])
                        break
            # A process dumped in parts (before a fork, at exit): its parts add up.
            entry = processes.setdefault(pid, [cmd, 0, os.path.getmtime(path)])
            entry[1] += summary
            entry[2] = min(entry[2], os.path.getmtime(path))
        ordered = sorted(processes.items(), key=lambda item: (item[1][2], int(item[0])))
        return {"total": sum(entry[1] for _, entry in ordered),
                "processes": [(entry[0], entry[1]) for _, entry in ordered]}


def wall(command, count):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def stripped_copies(binary_dir, names):
    """Copies without debug information beside the originals, in a directory of their own."""
    directory = os.path.join(binary_dir, "callgrind-stripped")
    os.makedirs(directory, exist_ok=True)
    copies = {}
    for name in names:
        copy = os.path.join(directory, name)
        shutil.copy2(os.path.join(binary_dir, name), copy)
        subprocess.run(["strip", "-g", copy], check=True)
        copies[name] = copy
    return directory, copies


def millions(count):
    return f"{count / 1e6:.1f} M"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", help="ignored (run_benchmarks.py passes it to every section)")
    parser.add_argument("--wall-runs", type=int, default=20)
    parser.add_argument("--workloads", nargs="*", help="workload file names (default: all)")
    parser.add_argument("--no-workloads", action="store_true", help="start-up only")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("## Start-up in instructions\n\nvalgrind is not installed (`apt-get install valgrind`).\n")
        return 1
    binary_dir = os.path.dirname(os.path.abspath(args.pyinspect))
    directory, copies = stripped_copies(binary_dir, ["pyinspect", "pyinspect-python"])
    try:
        ours, plain = copies["pyinspect"], copies["pyinspect-python"]
        sides = [
            ("`pyinspect run --quiet -c pass`", [ours, "run", "--quiet", "-c", "pass"],
             [args.pyinspect, "run", "--quiet", "-c", "pass"]),
            ("`pyinspect-python -c pass`", [plain, "-c", "pass"], [os.path.join(binary_dir, "pyinspect-python"), "-c", "pass"]),
            ("`/usr/bin/python3 -c pass`", [PYTHON, "-c", "pass"], [PYTHON, "-c", "pass"]),
        ]
        # One unmeasured run first: the helpers' bytecode is written on first use.
        subprocess.run(sides[0][1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows = []
        for label, measured, timed in sides:
            counted = instructions(measured)
            rows.append((label, counted, wall(timed, args.wall_runs)))
            print(f"  {label}: {millions(counted['total'])}", file=sys.stderr, flush=True)
        run_total, plain_total, python_total = (row[1]["total"] for row in rows)
        ratio = run_total / plain_total

        print("## Start-up in instructions: `pyinspect run -c pass`\n")
        print("Instructions counted by callgrind (`valgrind --tool=callgrind --trace-children=yes "
              "--dump-before=fork`, on copies of the release binaries stripped of debug information), every "
              "process counted once: machine load cannot move them. Wall time: median of "
              f"{args.wall_runs} runs of the unstripped binaries, for scale only (noisy on a shared machine). "
              f"Target: `run` ≤ {TARGET}x `pyinspect-python`.\n")
        print("| command | instructions | processes | wall (median) |")
        print("|---|---|---|---|")
        for label, counted, seconds in rows:
            parts = " + ".join(millions(count) for _, count in counted["processes"])
            print(f"| {label} | **{millions(counted['total'])}** | {parts} | {seconds * 1000:.1f} ms |")
        verdict = "met" if ratio <= TARGET else "not met"
        print(f"\n`run` / `pyinspect-python`: **{ratio:.3f}x** (target ≤ {TARGET}x: {verdict}); `run` / python3: "
              f"{run_total / python_total:.2f}x; `pyinspect-python` / python3: {plain_total / python_total:.2f}x "
              "(Debian's libpython3.11.a has no LTO, see the host overhead section).")
        print("Processes, in the order they started: for `run`, the supervisor (dynamic loading, the command "
              "line, the fork, then waiting, reading the capture and writing the report), then the target "
              "(Python's start-up, pyinspect's helpers, the program, Python's finalization).")
        print()

        if args.no_workloads:
            return 0
        chosen = [w for w in WORKLOADS if not args.workloads or w[1] in args.workloads]
        if not chosen:
            return 0
        print("### pyinspect's own share on the workloads, in instructions\n")
        print("`pyinspect run --quiet W` / `pyinspect-python W`: the same libpython, the same interpreter "
              "start-up; the difference is pyinspect (supervisor, helpers, instruments, report).\n")
        print("| workload | pyinspect-python | pyinspect run | ratio |")
        print("|---|---|---|---|")
        ratios = []
        for label, script in chosen:
            path = os.path.join(HERE, "workloads", script)
            base = instructions([plain, path])["total"]
            inspected = instructions([ours, "run", "--quiet", path])["total"]
            ratios.append(inspected / base)
            print(f"| {label} | {millions(base)} | {millions(inspected)} | **{inspected / base:.4f}x** |", flush=True)
            print(f"  {label}: {inspected / base:.4f}x", file=sys.stderr, flush=True)
        geomean = statistics.geometric_mean(ratios)
        print(f"\nGeometric mean: **{geomean:.4f}x** (pyinspect's own share: {(geomean - 1) * 100:.2f}%).\n")
        return 0
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
