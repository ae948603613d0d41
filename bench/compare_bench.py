#!/usr/bin/env python3
"""`pyinspect compare`'s speed claims, which the test suite no longer makes (tests assert behaviour only).

    bench/compare_bench.py --pyinspect .build/release/pyinspect --peer-python bench/.venv/bin/python

For each function of Tests/Fixtures/compare/work.py: what `pyinspect compare` recommends and the speedups it
measured, beside the same three modes timed by plain /usr/bin/python3 (serial loop, ThreadPoolExecutor,
multiprocessing spawn Pool; the peer), run right after, and the cores other processes left free. On an idle
2-core machine the expected answers are: cpu_loop → processes, sleeps → threads, big_result → serial or threads,
hashes → threads; on a loaded one, the reason must say the machine was why. Prints a markdown section on stdout.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(ROOT, "Tests", "Fixtures", "compare", "work.py")
CASES = [("cpu_loop", 6, {"processes"}), ("sleeps", 6, {"threads"}), ("big_result", 6, {"serial", "threads"}),
         ("hashes", 6, {"threads"})]

PEER = r'''
import multiprocessing, sys, time
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, %(directory)r)
import work
function, tasks = getattr(work, %(name)r), %(tasks)d
def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start
if __name__ == "__main__":
    serial = timed(lambda: [function(i) for i in range(tasks)])
    def threads():
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(function, range(tasks)))
    def processes():
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            pool.map(function, range(tasks), chunksize=1)
    print(serial / timed(threads), serial / timed(processes))
'''


def measure(pyinspect, name, tasks):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as report:
        path = report.name
    try:
        subprocess.run([pyinspect, "compare", "--quiet", "--tasks", str(tasks), "--json", path, f"{WORK}:{name}"],
                       check=True, timeout=900)
        with open(path) as handle:
            section = json.load(handle)["compare"]
    finally:
        os.unlink(path)
    peer = subprocess.run(
        ["/usr/bin/python3", "-c", PEER % {"directory": os.path.dirname(WORK), "name": name, "tasks": tasks}],
        capture_output=True, text=True, check=True, timeout=900).stdout.split()
    return section, [float(value) for value in peer]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", required=True, help="unused: the peer is /usr/bin/python3 itself")
    args = parser.parse_args()
    lines = ["## compare: threads or processes (speed claims)", "",
             "`pyinspect compare` (default rounds, medians) on `Tests/Fixtures/compare/work.py`, then the same three "
             "modes timed once by plain `/usr/bin/python3` (the peer). `as expected` compares the recommendation with "
             "the idle-machine answer; when the machine was loaded, the reason names it.", "",
             "| function | expected | pyinspect | threads x | processes x | python3 threads x | python3 processes x "
             "| cores free (processes) | load | as expected |", "|---|---|---|---|---|---|---|---|---|---|"]
    reasons = []
    for name, tasks, expected in CASES:
        section, (peer_threads, peer_processes) = measure(os.path.abspath(args.pyinspect), name, tasks)
        modes = section["modes"]
        free = modes["processes"].get("cores_free")
        lines.append(
            f"| {name} ({tasks} tasks) | {' or '.join(sorted(expected))} | {section['recommendation']} "
            f"| {modes['threads']['speedup']:.2f} | {modes['processes']['speedup']:.2f} | {peer_threads:.2f} "
            f"| {peer_processes:.2f} | {'?' if free is None else f'{free:.1f}'} | {section.get('load_average_1m', '?')} "
            f"| {'yes' if section['recommendation'] in expected else 'no'} |")
        reasons.append(f"- {name}: {section['reason']}")
    print("\n".join(lines + ["", "Reasons:", ""] + reasons))
    return 0


if __name__ == "__main__":
    sys.exit(main())
