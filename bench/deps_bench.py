#!/usr/bin/env python3
"""`pyinspect deps` with a target on an environment of 200 distributions: what it costs over the target's own time.

    bench/deps_bench.py --pyinspect .build/release/pyinspect [--distributions 200] [--rounds 7]

A virtualenv (made once per run, no network) holds 200 hand-written distributions (Tests/Fixtures/deps/make_env.py
`many`: each requires the one before, RECORD and METADATA as pip writes them). The target imports 20 of them and
computes for about 0.3 s. Alternating rounds, wall time per process: `/usr/bin/python3 target` (the target's own
time), `pyinspect run --quiet target` (the same supervision without deps) and `pyinspect deps --quiet target`.
The budget (issue 19): deps at most the target's own time + 100 ms. Prints a markdown section on stdout.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MAKE_ENV = os.path.join(ROOT, "Tests", "Fixtures", "deps", "make_env.py")

TARGET = """
import pkg000, pkg010, pkg020, pkg030, pkg040, pkg050, pkg060, pkg070, pkg080, pkg090
import pkg100, pkg110, pkg120, pkg130, pkg140, pkg150, pkg160, pkg170, pkg180, pkg199
total = 0
for i in range(3_000_000):
    total += i * i % 7
print(total)
"""


def timed(command, env, cwd):
    """(wall seconds, CPU seconds of the process and its children, exit code, stderr)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return took, usage.ru_utime + usage.ru_stime, process.returncode, err


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", help="unused: deps has no peer that runs the program")
    parser.add_argument("--distributions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    pyinspect = os.path.abspath(args.pyinspect)
    with tempfile.TemporaryDirectory(prefix="deps-bench-") as work:
        venv = os.path.join(work, "venv")
        subprocess.run(["/usr/bin/python3", MAKE_ENV, venv, "many", str(args.distributions)], check=True)
        target = os.path.join(work, "target.py")
        with open(target, "w") as out:
            out.write(TARGET)
        env = dict(os.environ, VIRTUAL_ENV=venv, PATH=venv + "/bin:" + os.environ.get("PATH", "/usr/bin:/bin"))
        sides = {
            "python3": [venv + "/bin/python", target],
            "run": [pyinspect, "run", "--quiet", target],
            "deps": [pyinspect, "deps", "--quiet", "--json", os.path.join(work, "deps.json"), target],
        }
        times = {name: [] for name in sides}
        cpus = {name: [] for name in sides}
        for name, command in sides.items():  # one warm-up each (page cache, bytecode)
            took, cpu, code, err = timed(command, env, work)
            if code != 0:
                sys.exit(f"{name} failed (exit {code}): {err[-500:]}")
        for _ in range(args.rounds):
            for name, command in sides.items():
                took, cpu, code, err = timed(command, env, work)
                if code != 0:
                    sys.exit(f"{name} failed (exit {code}): {err[-500:]}")
                times[name].append(took)
                cpus[name].append(cpu)
        import json
        report = json.load(open(os.path.join(work, "deps.json")))
        deps = report.get("deps", {})
    median = {name: statistics.median(values) for name, values in times.items()}
    cpu = {name: statistics.median(values) for name, values in cpus.items()}
    over_target = (median["deps"] - median["python3"]) * 1000
    over_run = (median["deps"] - median["run"]) * 1000
    cpu_over_target = (cpu["deps"] - cpu["python3"]) * 1000
    cpu_over_run = (cpu["deps"] - cpu["run"]) * 1000
    print("## `pyinspect deps` on 200 distributions (bench/deps_bench.py)\n")
    print(f"A virtualenv of {deps.get('distributions')} distributions ({deps.get('requirements_checked')} requirements "
          f"checked, {len(deps.get('modules', []))} modules in the table, {len(report.get('findings', []))} findings); "
          f"the target imports 20 of them and computes. Wall time per process, median of {args.rounds} alternating "
          "rounds (min–max).\n")
    print("| side | wall median | min | max | CPU median (user+system, children included) |")
    print("|---|---|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {median[name] * 1000:.0f} ms | {min(values) * 1000:.0f} ms | {max(values) * 1000:.0f} ms "
              f"| {cpu[name] * 1000:.0f} ms |")
    verdict = "within" if over_target <= 100 else "OVER"
    print(f"\n`deps` − target's own time (python3): **{over_target:.0f} ms wall** ({verdict} the 100 ms budget), "
          f"{cpu_over_target:.0f} ms CPU; `deps` − `run`: {over_run:.0f} ms wall, {cpu_over_run:.0f} ms CPU (the end "
          "step: `packaging`'s import, 200 METADATA and RECORD files, the requirements parsed and evaluated).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
