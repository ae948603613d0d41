#!/usr/bin/env python3
"""`run --metrics` (issue 17): serving Prometheus metrics costs nothing measurable while idle.

    bench/metrics_bench.py --pyinspect .build/release/pyinspect [--rounds 5]

A CPU-bound loop (pure Python, one thread) times itself in the target: process CPU time (process_time counts
every thread of the process, pyinspect's metrics threads included) and wall time, start-up excluded. Three
sides, alternated and rotated every round:
- `run` (no endpoint: nothing is started);
- `run --metrics 127.0.0.1:PORT`, nobody scraping (the server thread sleeps in accept, the worker on a
  condition variable);
- the same, scraped once a second by this script (each scrape takes the GIL once, for metrics.py's counters and
  pymalloc's total).
Reports the median, min and max ratio of each side's time to plain `run`'s. Prints a markdown section on stdout.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

WORKLOAD = '''
import sys, time
def spin(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
print("ready", flush=True)
c0, w0 = time.process_time(), time.perf_counter()
spin(int(sys.argv[1]))
print("ELAPSED", time.process_time() - c0, time.perf_counter() - w0, flush=True)
'''


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n")
        reply = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            reply += chunk
    if not reply.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"scrape failed: {reply[:200]!r}")


def one(pyinspect, script, iterations, side):
    command = [pyinspect, "run", "--quiet"]
    port = None
    if side != "run":
        port = free_port()
        command += ["--metrics", f"127.0.0.1:{port}"]
    command += [script, str(iterations)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    scrapes = [0]
    stop = threading.Event()
    first = process.stdout.readline()
    if first.strip() != "ready":
        process.kill()
        raise RuntimeError(f"{side}: no ready line: {first!r} {process.stderr.read()[-2000:]}")

    def scraper():
        while not stop.wait(1.0):
            try:
                scrape(port)
                scrapes[0] += 1
            except OSError:
                return  # the target ended between two scrapes

    thread = None
    if side == "scraped":
        thread = threading.Thread(target=scraper, daemon=True)
        thread.start()
    out, err = process.communicate(timeout=900)
    stop.set()
    if thread:
        thread.join()
    for line in out.splitlines():
        if line.startswith("ELAPSED"):
            _, cpu, wall = line.split()
            return float(cpu), float(wall), scrapes[0]
    raise RuntimeError(f"{side} failed (exit {process.returncode}): {err[-2000:]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", help="unused: no peer here")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=15_000_000)
    args = parser.parse_args()
    sides = ["run", "idle", "scraped"]
    times = {side: [] for side in sides}
    scraped = []
    with tempfile.TemporaryDirectory() as directory:
        script = os.path.join(directory, "spin.py")
        with open(script, "w") as file:
            file.write(WORKLOAD)
        for round_index in range(args.rounds):
            order = sides[round_index % 3:] + sides[:round_index % 3]
            for side in order:
                cpu, wall, scrapes = one(args.pyinspect, script, args.iterations, side)
                times[side].append((cpu, wall))
                if side == "scraped":
                    scraped.append(scrapes)
    base_cpu = [cpu for cpu, _ in times["run"]]
    base_wall = [wall for _, wall in times["run"]]
    lines = ["## Prometheus metrics while idle (`run --metrics`, issue 17)", "",
             f"A pure-Python CPU loop ({args.iterations:,} iterations, one thread), timed inside the target; "
             f"{args.rounds} rounds, sides rotated every round. Ratio to plain `run` of the same round "
             "(1.00 = no cost). CPU time is the whole process' (the metrics threads included).", "",
             "| side | CPU s (median) | CPU ratio median [min, max] | wall ratio median [min, max] | scrapes per run |",
             "|---|---|---|---|---|"]
    for side, label in (("run", "`run`"), ("idle", "`run --metrics`, no scrapes"),
                        ("scraped", "`run --metrics`, 1 scrape/s")):
        cpus = [cpu for cpu, _ in times[side]]
        walls = [wall for _, wall in times[side]]
        cpu_ratios = [a / b for a, b in zip(cpus, base_cpu)]
        wall_ratios = [a / b for a, b in zip(walls, base_wall)]
        per_run = f"{statistics.median(scraped):.0f}" if side == "scraped" else "0"
        lines.append(f"| {label} | {statistics.median(cpus):.3f} | {statistics.median(cpu_ratios):.3f} "
                     f"[{min(cpu_ratios):.3f}, {max(cpu_ratios):.3f}] | {statistics.median(wall_ratios):.3f} "
                     f"[{min(wall_ratios):.3f}, {max(wall_ratios):.3f}] | {per_run} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
