#!/usr/bin/env python3
"""`pyinspect deps` with a target on an environment of 200 distributions: what it costs over the target's own time.

    bench/deps_bench.py --pyinspect .build/release/pyinspect [--distributions 200] [--rounds 7]

A virtualenv (made once per run, no network) holds 200 hand-written distributions (Tests/Fixtures/deps/make_env.py
`many`: each requires the one before, RECORD and METADATA as pip writes them). The target imports 20 of them and
computes for about 0.3 s. Alternating rounds, wall time per process: `/usr/bin/python3 target` (the target's own
time), `pyinspect run --quiet target` (the same supervision without deps), `pyinspect deps --quiet target` (its
cache, docs/deps.md, filled by the warm-up round: the environment unchanged between runs) and the same with the
cache off (PYINSPECT_DEPS_CACHE=0: every METADATA and RECORD read, packaging's specifiers imported).
The budget (issue 19): deps at most the target's own time + 100 ms. With valgrind installed, the end step alone is
also counted in instructions (callgrind: deps.py's `_facts()` called in the venv's python3 after the target's
imports, minus the same process without the call), which the machine's load does not move.
Prints a markdown section on stdout.
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
        env = dict(os.environ, VIRTUAL_ENV=venv, PATH=venv + "/bin:" + os.environ.get("PATH", "/usr/bin:/bin"),
                   XDG_CACHE_HOME=os.path.join(work, "cache"))
        no_cache = dict(env, PYINSPECT_DEPS_CACHE="0")
        sides = {
            "python3": ([venv + "/bin/python", target], env),
            "run": ([pyinspect, "run", "--quiet", target], env),
            "deps": ([pyinspect, "deps", "--quiet", "--json", os.path.join(work, "deps.json"), target], env),
            "deps, cache off": ([pyinspect, "deps", "--quiet", target], no_cache),
        }
        times = {name: [] for name in sides}
        cpus = {name: [] for name in sides}
        for name, (command, side_env) in sides.items():  # one warm-up each (page cache, bytecode, deps' cache)
            took, cpu, code, err = timed(command, side_env, work)
            if code != 0:
                sys.exit(f"{name} failed (exit {code}): {err[-500:]}")
        for _ in range(args.rounds):
            for name, (command, side_env) in sides.items():
                took, cpu, code, err = timed(command, side_env, work)
                if code != 0:
                    sys.exit(f"{name} failed (exit {code}): {err[-500:]}")
                times[name].append(took)
                cpus[name].append(cpu)
        import json
        report = json.load(open(os.path.join(work, "deps.json")))
        deps = report.get("deps", {})
        instructions = end_step_instructions(venv, work, env)
    median = {name: statistics.median(values) for name, values in times.items()}
    cpu = {name: statistics.median(values) for name, values in cpus.items()}
    over_target = (median["deps"] - median["python3"]) * 1000
    cold_over_target = (median["deps, cache off"] - median["python3"]) * 1000
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
    cpu_verdict = "within" if cpu_over_target <= 100 else "OVER"
    load = os.getloadavg()[1]
    print(f"\n`deps` − target's own time (python3): **{over_target:.0f} ms wall** ({verdict} the 100 ms budget), "
          f"{cpu_over_target:.0f} ms CPU; `deps` − `run`: {over_run:.0f} ms wall, {cpu_over_run:.0f} ms CPU (the end "
          "step, its cache read: 200 folders stat'ed, the module table). The cache off (the first run on an "
          f"environment, or after it changed): {cold_over_target:.0f} ms wall, "
          f"{(cpu['deps, cache off'] - cpu['python3']) * 1000:.0f} ms CPU over python3. In CPU time `deps` is "
          f"{cpu_verdict} the budget; load average (5 min) {load:.1f} on {os.cpu_count()} cores (a wall time above its "
          "CPU time is waiting for a core).")
    if instructions:
        print("\nThe end step alone in instructions (callgrind, `PYTHONHASHSEED=0`; deterministic):\n")
        print("| end step | instructions over the same process without it |")
        print("|---|---|")
        for name, count in instructions.items():
            print(f"| {name} | {count / 1e6:.0f} M |")
    return 0


END_STEP = """
import sys
import pkg000, pkg010, pkg020, pkg030, pkg040, pkg050, pkg060, pkg070, pkg080, pkg090
import pkg100, pkg110, pkg120, pkg130, pkg140, pkg150, pkg160, pkg170, pkg180, pkg199
from pyinspect import deps
if sys.argv[1] == "call":
    facts = deps._facts()
    assert "error" not in facts, facts
"""


def end_step_instructions(venv, work, env):
    """{case: instructions} of deps.py's end step, or {} without valgrind."""
    import shutil
    if shutil.which("valgrind") is None:
        return {}
    script = os.path.join(work, "end_step.py")
    with open(script, "w") as out:
        out.write(END_STEP)
    env = dict(env, PYTHONPATH=os.path.join(ROOT, "pyscripts"), PYTHONHASHSEED="0",
               XDG_CACHE_HOME=os.path.join(work, "callgrind-cache"))

    def count(mode, extra):
        result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                 venv + "/bin/python", script, mode], env=dict(env, **extra), cwd=work,
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"callgrind failed: {result.stderr[-500:]}")
        return int(result.stderr.split("Collected : ")[1].split()[0])

    count("none", {})  # bytecode written once
    base = count("none", {})
    return {
        "cache off (every file read, packaging.specifiers imported)": count("call", {"PYINSPECT_DEPS_CACHE": "0"}) - base,
        "first run (the same, and the cache written)": count("call", {}) - base,
        "cache read (environment unchanged)": count("call", {}) - base,
    }


if __name__ == "__main__":
    sys.exit(main())
