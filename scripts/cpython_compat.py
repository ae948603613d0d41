#!/usr/bin/env python3
"""Runs CPython's own test modules under `pyinspect run -m test` and under /usr/bin/python3, and compares.

A module must pass under pyinspect wherever it passes under python3. Exit status 0 when that holds for every
module, 1 otherwise. Usage: cpython_compat.py --pyinspect .build/debug/pyinspect [--only test_json ...]
"""
import argparse
import os
import subprocess
import sys
import time

PYTHON = "/usr/bin/python3"
# (label, regrtest arguments)
MODULES = [
    ("test_json", ["test_json"]),
    ("test_tracemalloc", ["test_tracemalloc"]),
    ("test_gc", ["test_gc"]),
    ("test_threading", ["test_threading"]),
    ("test_weakref", ["test_weakref"]),
    ("test_runpy", ["test_runpy"]),
    ("test_asyncio.test_locks", ["test_asyncio.test_locks"]),
    ("test_asyncio.test_tasks", ["test_asyncio.test_tasks"]),
    # call_soon / call_at / create_task are patched by loop_threads.py (issue 18): the loop's own tests.
    ("test_asyncio.test_base_events", ["test_asyncio.test_base_events"]),
    ("test_asyncio.test_futures", ["test_asyncio.test_futures"]),
    ("test_sys", ["test_sys"]),
    ("test_site", ["test_site"]),
    ("test_faulthandler", ["test_faulthandler"]),
    ("test_subprocess", ["test_subprocess"]),
    ("test_multiprocessing_spawn (Pool)", ["test_multiprocessing_spawn", "--match", "*Pool*"]),
]


def run(command, timeout):
    started = time.monotonic()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        output, status = done.stdout, done.returncode
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace") if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        status = "timeout"
    return status, time.monotonic() - started, output


def summary_line(output):
    for line in reversed(output.splitlines()):
        if line.startswith("Result:") or line.startswith("Tests result:"):
            return line.strip()
    return "(no result line)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--log-dir", default=".build/cpython-tests")
    args = parser.parse_args()
    os.makedirs(args.log_dir, exist_ok=True)
    pyinspect = os.path.abspath(args.pyinspect)
    rows, regressions = [], []
    for label, test_args in MODULES:
        if args.only and label.split()[0] not in args.only:
            continue
        reference = run([PYTHON, "-m", "test", *test_args], args.timeout)
        ours = run([pyinspect, "run", "--quiet", "-m", "test", *test_args], args.timeout)
        slug = label.split()[0]
        for side, result in (("python3", reference), ("pyinspect", ours)):
            with open(os.path.join(args.log_dir, f"{slug}.{side}.log"), "w") as log:
                log.write(result[2])
        ok = reference[0] != 0 or ours[0] == 0
        if not ok:
            regressions.append(label)
        rows.append((label, reference, ours, ok))
        print(f"{'ok ' if ok else 'FAIL'} {label:36} python3: {reference[0]!s:>7} {reference[1]:6.1f}s  "
              f"pyinspect: {ours[0]!s:>7} {ours[1]:6.1f}s  {summary_line(ours[2])}", flush=True)
    passed = sum(1 for row in rows if row[3])
    print(f"cpython-tests: {passed} passed, {len(rows) - passed} failed")
    if regressions:
        print("fail under pyinspect but pass under python3: " + ", ".join(regressions) +
              f" (logs in {args.log_dir})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
