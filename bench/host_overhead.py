#!/usr/bin/env python3
"""`pyinspect run W` against `/usr/bin/python3 W`, in alternating pairs, on several workloads and start-up.

Prints a markdown section. Ratios are of medians; min and max are of the per-pair ratios.
Usage: host_overhead.py --pyinspect .build/release/pyinspect [--peer-python bench/.venv/bin/python]
With --peer-python (a virtualenv of /usr/bin/python3 with pyperformance), pyperformance benchmarks are added:
each runs in pyperf's in-process worker mode, under that virtualenv's python and under `pyinspect run` with the
virtualenv activated.
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
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


PYPERFORMANCE = ["nbody", "richards", "float", "json_dumps", "regex_v8", "deltablue"]
_environment = dict(os.environ)


def timed(command, env=None):
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=env if env is not None else _environment)
    return time.perf_counter() - started


def pyperformance_dir(peer_python):
    found = subprocess.run([peer_python, "-c", "import pyperformance, os; print(os.path.dirname(pyperformance.__file__))"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        return None
    return os.path.join(found.stdout.strip(), "data-files", "benchmarks")


def pairs(ours, peer, count, warmup=1):
    for _ in range(warmup):
        timed(ours)
        timed(peer)
    ours_times, peer_times = [], []
    for index in range(count):
        # Alternate which side goes first, so drift in machine load hits both alike.
        if index % 2 == 0:
            ours_times.append(timed(ours))
            peer_times.append(timed(peer))
        else:
            peer_times.append(timed(peer))
            ours_times.append(timed(ours))
    return ours_times, peer_times


def triples(ours, peer, plain, count, warmup=1):
    """pairs() with a third side, the order rotating each round."""
    sides = [ours, peer, plain]
    for _ in range(warmup):
        for side in sides:
            timed(side)
    times = [[], [], []]
    for index in range(count):
        for offset in range(3):
            which = (index + offset) % 3
            times[which].append(timed(sides[which]))
    return times


def row(label, ours_times, peer_times):
    ratio = statistics.median(ours_times) / statistics.median(peer_times)
    per_pair = [o / p for o, p in zip(ours_times, peer_times)]
    return (label, statistics.median(peer_times), statistics.median(ours_times), ratio, min(per_pair), max(per_pair))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--startup-pairs", type=int, default=40)
    parser.add_argument("--peer-python")
    args = parser.parse_args()
    ours_binary = os.path.abspath(args.pyinspect)
    rows = []
    benchmarks = pyperformance_dir(args.peer_python) if args.peer_python else None
    if benchmarks:
        venv = os.path.dirname(os.path.dirname(os.path.abspath(args.peer_python)))
        worker = ["--worker", "--worker-task=0", "-l", "1", "-n", "10", "-w", "1"]
        for name in PYPERFORMANCE:
            script = os.path.join(benchmarks, f"bm_{name}", "run_benchmark.py")
            if not os.path.exists(script):
                continue
            _environment["VIRTUAL_ENV"] = venv
            ours, peer = pairs([ours_binary, "run", "--quiet", script, *worker],
                               [args.peer_python, script, *worker], args.pairs)
            _environment.pop("VIRTUAL_ENV", None)
            rows.append(row(f"pyperformance {name}", ours, peer))
            print(f"  {name}: {rows[-1][3]:.3f}x", file=sys.stderr, flush=True)
    # The same libpython3.11.a without pyinspect's supervisor and instruments: what linking Debian's archive
    # costs (it is built without the LTO that /usr/bin/python3.11 has), apart from what pyinspect adds.
    plain_binary = os.path.join(os.path.dirname(ours_binary), "pyinspect-python")
    split = []
    for label, script in WORKLOADS:
        path = os.path.join(HERE, "workloads", script)
        ours, peer, plain = triples([ours_binary, "run", "--quiet", path], [PYTHON, path], [plain_binary, path], args.pairs)
        rows.append(row(label, ours, peer))
        split.append((label, statistics.median(plain) / statistics.median(peer), statistics.median(ours) / statistics.median(plain)))
        print(f"  {label}: {rows[-1][3]:.3f}x", file=sys.stderr, flush=True)
    geomean = math.exp(sum(math.log(r[3]) for r in rows) / len(rows))
    ours, peer, plain = triples([ours_binary, "run", "--quiet", "-c", "pass"], [PYTHON, "-c", "pass"],
                                [plain_binary, "-c", "pass"], args.startup_pairs, warmup=3)
    startup = row("start-up (`-c pass`)", ours, peer)
    split.append((startup[0], statistics.median(plain) / statistics.median(peer), statistics.median(ours) / statistics.median(plain)))
    print(f"  start-up: {startup[3]:.3f}x", file=sys.stderr, flush=True)

    print("## Host overhead: `pyinspect run W` vs `/usr/bin/python3 W`\n")
    print(f"{args.pairs} alternating pairs per workload ({args.startup_pairs} for start-up), after a warm-up pair. "
          "Ratio = median(pyinspect) / median(python3); min/max over the per-pair ratios. "
          "Targets: geometric mean ≤ 1.05x, start-up ≤ 1.3x.\n")
    print("| workload | python3 median | pyinspect median | ratio | min | max |")
    print("|---|---|---|---|---|---|")
    for label, peer_median, ours_median, ratio, low, high in rows + [startup]:
        print(f"| {label} | {peer_median * 1000:.1f} ms | {ours_median * 1000:.1f} ms | **{ratio:.3f}x** | {low:.3f} | {high:.3f} |")
    print(f"\nGeometric mean over the workloads: **{geomean:.3f}x** (target ≤ 1.05x). "
          f"Start-up: **{startup[3]:.3f}x** (target ≤ 1.3x).\n")
    print("Where it goes, measured in the same rounds with a third side, `pyinspect-python W`: the same "
          "libpython3.11.a pyinspect links, without its supervisor and instruments. Debian builds "
          "`/usr/bin/python3.11` with LTO and ships the archive without it (its objects have no LTO sections; "
          "`_PyEval_EvalFrameDefault` is 44.9 KB in the archive, 61.7 KB in python3.11, the rest inlined), so "
          "the first column is the price of embedding Debian's libpython at all; the second is pyinspect's own.\n")
    print("| workload | pyinspect-python / python3 (linking) | pyinspect run / pyinspect-python (pyinspect) |")
    print("|---|---|---|")
    for label, linking, ours_part in split:
        print(f"| {label} | {linking:.3f}x | {ours_part:.3f}x |")
    print()


if __name__ == "__main__":
    main()
