#!/usr/bin/env python3
"""Hang watching's cost (docs/hangs.md, "Cost"): `pyinspect run` (hang watching on, the default) against
`pyinspect run --no-hangs` and against `/usr/bin/python3 -X dev` (asyncio's debug mode, the peer that also reports
slow callbacks and never-awaited coroutines), on the programs that paid most for it: an asyncio-heavy program
(tasks × steps, each step an asyncio.Lock, a Queue put/get and a sleep(0)) and loops of os.read/os.write (each
releases the GIL, so each paid for the monitor's GIL hand-offs) and of os.stat.

    bench/hangs_bench.py --pyinspect .build/release/pyinspect [--rounds 5] [--tasks 6000 --steps 50]

Each program times its own loop (wall: perf_counter; CPU: thread_time of the loop's thread, the steadier figure
on a shared machine), so interpreter start-up stays out. Rounds alternate the three sides, rotating their order
each round; each round gives one ratio per side against `--no-hangs`; the median, min and max are reported.
Prints a markdown section on stdout.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

PYTHON = "/usr/bin/python3"

ASYNCIO_HEAVY = '''
import asyncio, sys, time
async def worker(lock, queue, steps):
    for i in range(steps):
        async with lock:
            await queue.put(i)
        await queue.get()
        await asyncio.sleep(0)
async def main(tasks, steps):
    lock = asyncio.Lock()
    queue = asyncio.Queue()
    began, cpu = time.perf_counter(), time.thread_time()
    await asyncio.gather(*(worker(lock, queue, steps) for _ in range(tasks)))
    print("ELAPSED", time.perf_counter() - began, time.thread_time() - cpu)
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
'''

READ_WRITE = '''
import os, sys, time
r, w = os.pipe()
began, cpu = time.perf_counter(), time.thread_time()
for _ in range(int(sys.argv[1])):
    os.write(w, b"x" * 64)
    os.read(r, 64)
print("ELAPSED", time.perf_counter() - began, time.thread_time() - cpu)
'''

STAT = '''
import os, sys, time
began, cpu = time.perf_counter(), time.thread_time()
for _ in range(int(sys.argv[1])):
    os.stat(".")
print("ELAPSED", time.perf_counter() - began, time.thread_time() - cpu)
'''


def measure(command):
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=900)
    for line in done.stdout.splitlines():
        if line.startswith("ELAPSED "):
            _, wall, cpu = line.split()
            return float(wall), float(cpu)
    raise RuntimeError(f"no ELAPSED line from {' '.join(command)} (exit {done.returncode})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", help="unused: the peer is /usr/bin/python3 -X dev")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=6000)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--io", type=int, default=300_000, help="iterations of the os.read/os.write and os.stat loops")
    args = parser.parse_args()
    pyinspect = os.path.abspath(args.pyinspect)
    sides = {
        "run --no-hangs": [pyinspect, "run", "--quiet", "--no-hangs"],
        "run": [pyinspect, "run", "--quiet"],
        "python3 -X dev": [PYTHON, "-X", "dev"],
    }
    workloads = [
        (f"asyncio: {args.tasks} tasks × {args.steps} steps (Lock, Queue, sleep(0))", ASYNCIO_HEAVY,
         [str(args.tasks), str(args.steps)]),
        (f"os.read/os.write on a pipe × {args.io}", READ_WRITE, [str(args.io)]),
        (f"os.stat × {args.io}", STAT, [str(args.io)]),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for title, source, argv in workloads:
            path = os.path.join(directory, "workload.py")
            with open(path, "w") as handle:
                handle.write(source)
            figures = {name: [] for name in sides}
            names = list(sides)
            for round_index in range(args.rounds):
                order = names[round_index % len(names):] + names[:round_index % len(names)]
                for name in order:
                    figures[name].append(measure(sides[name] + [path] + argv))
                print(f"hangs_bench: {title}: round {round_index + 1}/{args.rounds}", file=sys.stderr, flush=True)
            base = figures["run --no-hangs"]
            for name in ("run", "python3 -X dev"):
                for column, label in ((0, "wall"), (1, "loop CPU")):
                    ratios = [side[column] / off[column] for side, off in zip(figures[name], base) if off[column] > 0]
                    rows.append((title, name, label, statistics.median(ratios), min(ratios), max(ratios),
                                 statistics.median(side[column] for side in figures[name]),
                                 statistics.median(off[column] for off in base)))
    print("## Hang watching: `pyinspect run` vs `run --no-hangs` vs `python3 -X dev`\n")
    print(f"{args.rounds} rounds, sides alternating (order rotated each round); ratio = side ÷ `run --no-hangs` "
          "in the same round. Each program times its own loop (start-up excluded); \"loop CPU\" is the loop "
          "thread's CPU time (`time.thread_time`), the steadier figure on a shared machine. Targets (issue 18): "
          "asyncio ≤ ×1.15, os.read/os.write ≤ ×1.03.\n")
    print("| workload | side | measure | median ratio | min | max | side median (s) | `--no-hangs` median (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for title, name, label, median, low, high, side, off in rows:
        print(f"| {title} | `{name}` | {label} | ×{median:.3f} | ×{low:.3f} | ×{high:.3f} | {side:.3f} | {off:.3f} |")
    print(f"\nCommand: `{PYTHON} bench/hangs_bench.py --pyinspect {args.pyinspect} --rounds {args.rounds} "
          f"--tasks {args.tasks} --steps {args.steps} --io {args.io}`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
