#!/usr/bin/env python3
"""Database statement recording (issue 16): what `pyinspect run` adds per statement, against SQLAlchemy's
`echo=True` logging to a file (what users turn on instead).

    bench/queries_bench.py --pyinspect .build/release/pyinspect --peer-python bench/.venv/bin/python

Each program times its own loop in CPU time (process_time: on a shared machine wall time mostly measures the
wait for a core), so start-up is excluded. Pairs alternate the two sides, swapping
the order every pair; the per-statement cost of each pair is one sample; the median, min and max are reported.
- sqlite3: 100k trivial `conn.execute("SELECT ?", (i,))`, `pyinspect run --no-queries` vs `pyinspect run`.
- SQLAlchemy 2 Core on sqlite (the peer virtualenv): the same loop through `conn.execute(text(...))`;
  `echo=True` with the log going to a file, under the peer python, against the same without echo; and pyinspect's
  recording (engine events) against `--no-queries`.
Prints a markdown section on stdout.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

SQLITE = '''
import sqlite3, sys, time
n = int(sys.argv[1])
conn = sqlite3.connect(":memory:")
t0 = time.process_time()
for i in range(n):
    conn.execute("SELECT ?", (i,)).fetchone()
print("ELAPSED", time.process_time() - t0)
conn.close()
'''

ALCHEMY = '''
import logging, sys, time
from sqlalchemy import create_engine, text
n, echo, log = int(sys.argv[1]), sys.argv[2] == "echo", sys.argv[3]
if echo:
    logging.basicConfig(filename=log, level=logging.WARNING)
engine = create_engine("sqlite://", echo=echo)
if echo:  # echo=True adds a stdout handler: send the log to the file only, as a user capturing it would
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    logger.handlers[:] = []
    logger.propagate = True
    logger.setLevel(logging.INFO)
with engine.connect() as conn:
    t0 = time.process_time()
    for i in range(n):
        conn.execute(text("SELECT :n"), {"n": i}).fetchone()
    print("ELAPSED", time.process_time() - t0)
engine.dispose()
'''


def elapsed(command, env=None):
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=900)
    for line in done.stdout.splitlines():
        if line.startswith("ELAPSED"):
            return float(line.split()[1])
    raise RuntimeError(f"{command[:3]} failed: {done.stderr[-2000:]}")


def pairs(first, second, count, statements):
    """Per-statement microseconds of (second - first), sides alternating."""
    samples, base = [], []
    for index in range(count):
        if index % 2 == 0:
            a, b = first(), second()
        else:
            b, a = second(), first()
        samples.append((b - a) / statements * 1e6)
        base.append(a / statements * 1e6)
    return samples, base


def row(name, samples, base):
    return (f"| {name} | {statistics.median(base):.2f} | {statistics.median(samples):+.2f} | "
            f"{min(samples):+.2f} | {max(samples):+.2f} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    n = args.statements
    with tempfile.TemporaryDirectory() as work:
        sqlite_program = os.path.join(work, "sqlite_loop.py")
        alchemy_program = os.path.join(work, "alchemy_loop.py")
        log = os.path.join(work, "echo.log")
        with open(sqlite_program, "w") as out:
            out.write(SQLITE)
        with open(alchemy_program, "w") as out:
            out.write(ALCHEMY)
        venv = os.path.dirname(os.path.dirname(os.path.abspath(args.peer_python)))
        in_venv = dict(os.environ, VIRTUAL_ENV=venv)
        pyi = [args.pyinspect, "run", "--quiet"]
        rows = []
        samples, base = pairs(lambda: elapsed(pyi + ["--no-queries", sqlite_program, str(n)]),
                              lambda: elapsed(pyi + [sqlite_program, str(n)]), args.pairs, n)
        rows.append(row("sqlite3 `conn.execute` + fetchone: pyinspect recording vs `--no-queries`", samples, base))
        sqlite_median = statistics.median(samples)
        have_alchemy = subprocess.run([args.peer_python, "-c", "import sqlalchemy"], capture_output=True).returncode == 0
        if have_alchemy:
            samples, base = pairs(lambda: elapsed(pyi + ["--no-queries", alchemy_program, str(n), "plain", log], in_venv),
                                  lambda: elapsed(pyi + [alchemy_program, str(n), "plain", log], in_venv), args.pairs, n)
            rows.append(row("SQLAlchemy Core `conn.execute(text())`: pyinspect recording vs `--no-queries`", samples, base))
            alchemy_median = statistics.median(samples)
            samples, base = pairs(lambda: elapsed([args.peer_python, alchemy_program, str(n), "plain", log]),
                                  lambda: elapsed([args.peer_python, alchemy_program, str(n), "echo", log]), args.pairs, n)
            rows.append(row("SQLAlchemy Core: `echo=True` logging to a file vs no echo (python3)", samples, base))
            echo_median = statistics.median(samples)
    print("## Database queries: recording cost per statement (`pyinspect run` vs `--no-queries`, vs SQLAlchemy echo)\n")
    print(f"{n:,} trivial statements per run, {args.pairs} alternating pairs; microseconds per statement "
          "of CPU time (baseline: the loop's own time per statement on the first side).\n")
    print("| comparison | baseline µs | added µs (median) | min | max |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print(f"Recording costs {sqlite_median:.2f} µs per sqlite3 statement (target: at most 5 µs)"
          + (f", {alchemy_median:.2f} µs per SQLAlchemy statement, where `echo=True` to a file costs "
             f"{echo_median:.2f} µs and gives no diagnosis." if have_alchemy else
             "; SQLAlchemy is not installed in the peer virtualenv (bench/peers.txt)."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
