#!/usr/bin/env python3
"""Profilers on programs whose split of time is known by construction: the share error and the overhead.

    bench/profile_bench.py --pyinspect .build/release/pyinspect --peer-python bench/.venv/bin/python
                           [--repeats 6] [--scale 2.0] [--tools ...] [--only ...] [--update docs/BENCHMARKS.md]

Programs (bench/profile_programs/, built from one unit of pure-Python work): one thread alternating 7 and 3 units
(work_a 0.70 / work_b 0.30), two CPU-bound threads (spin_left / spin_right 0.50 each), a sleeper beside a busy
thread (nap / busy 0.50 each in wall time), two asyncio tasks doing 4 and 1 units per step (heavy 0.80 / light 0.20).

Tools: py-spy (`py-spy record --format speedscope -r 100 --idle`: --idle keeps the sleeper's samples, the split is
in wall time), cProfile (`-m cProfile -o`, read with pstats), pyinstrument (`-r json`, its default 1 ms interval)
and `pyinspect profile --rate 100 --speedscope` (skipped, with a message, when this build has no `profile`).
Every tool's output is read the same way: the inclusive time of each function of the known split (a sample counts
for every known function on its stack, once), normalised over those functions.
Share error, judged on several runs (a run at 100 Hz of a ~2 s program has ~200 samples: a 0.70 share's binomial
spread alone is 0.03): each run's mean absolute error over the functions, then its mean and standard deviation over
the runs; and the bias: the first function's share averaged over the runs, minus the known share, with the
standard error of that mean. A bias several standard errors from 0 is the tool's, not the sampling's.
A tool that sees none of them (cProfile and pyinstrument profile only the thread that started them) shows n/a.
Overhead: whole-process wall and CPU time (user + system, the profiler's own included) of the profiled run over
the unprofiled `python3 PROGRAM`'s, in pairs whose order alternates; median [min-max] of the pair ratios.
profile's own cost: `pyinspect profile --rate R` over `pyinspect run` on the same program, pairs alternating
(targets: 1.05x at the default 100 Hz, 1.15x at 1000 Hz).
Prints a markdown section; --update also puts it into FILE in place of its previous version.
"""
import argparse
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time

import json  # a stand-alone script: start-up cost does not matter here

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROGRAMS_DIR = os.path.join(HERE, "profile_programs")
PYTHON = "/usr/bin/python3"
HEADING = "## Profilers: share error against a known split, and overhead (bench/profile_bench.py)"

PROGRAMS = [
    ("one thread, 7/3 units", "one_thread_7_3.py", {"work_a": 0.70, "work_b": 0.30}),
    ("two CPU-bound threads", "two_cpu_threads.py", {"spin_left": 0.50, "spin_right": 0.50}),
    ("sleeper beside a busy thread (wall)", "sleeper_busy.py", {"nap": 0.50, "busy": 0.50}),
    ("two asyncio tasks, 4/1 units per step", "asyncio_tasks_4_1.py", {"heavy": 0.80, "light": 0.20}),
]


def short(name):
    """`Class.method` or `outer.<locals>.f` -> the last part: the programs' functions are module-level."""
    return name.rsplit(".", 1)[-1]


def read_speedscope(path, names):
    """Inclusive weight of each known function, over every profile (thread) of a speedscope file."""
    with open(path) as source:
        document = json.load(source)
    frames = [short(frame["name"]) for frame in document["shared"]["frames"]]
    totals = dict.fromkeys(names, 0.0)
    for profile in document["profiles"]:
        if profile.get("type") != "sampled":
            continue
        for stack, weight in zip(profile["samples"], profile["weights"]):
            for name in {frames[index] for index in stack} & set(names):
                totals[name] += weight
    return totals


def read_pstats(path, names):
    """cProfile's cumulative time of each known function."""
    totals = dict.fromkeys(names, 0.0)
    for (_file, _line, function), (_cc, _nc, _tt, cumulative, _callers) in pstats.Stats(path).stats.items():
        if short(function) in totals:
            totals[short(function)] += cumulative
    return totals


def read_pyinstrument(path, names):
    """pyinstrument's JSON tree: the time of each known function's outermost nodes."""
    with open(path) as source:
        document = json.load(source)
    totals = dict.fromkeys(names, 0.0)
    pending = [(document["root_frame"], frozenset())]
    while pending:
        node, above = pending.pop()
        name = short(node.get("function", ""))
        if name in totals and name not in above:
            totals[name] += node.get("time", 0.0)
        pending.extend((child, above | {name}) for child in node.get("children", []))
    return totals


def shares(totals):
    whole = sum(totals.values())
    return {name: value / whole for name, value in totals.items()} if whole > 0 else None


def tools(pyinspect, peer_python, program, out):
    """name -> (command, reader): each writes `out`."""
    bin_dir = os.path.dirname(peer_python)
    table = {
        "py-spy 100 Hz": ([os.path.join(bin_dir, "py-spy"), "record", "--format", "speedscope", "-r", "100", "--idle",
                           "-o", out, "--", PYTHON, program], read_speedscope),
        "cProfile": ([PYTHON, "-m", "cProfile", "-o", out, program], read_pstats),
        "pyinstrument": ([peer_python, "-m", "pyinstrument", "-r", "json", "-o", out, program], read_pyinstrument),
    }
    if pyinspect:
        table["pyinspect 100 Hz"] = ([pyinspect, "profile", "--rate", "100", "--speedscope", out, program], read_speedscope)
    return table


def pyinspect_has_profile(pyinspect):
    try:
        done = subprocess.run([pyinspect, "profile", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    # An older build answers `profile --help` with its own usage (no such subcommand): look for the option.
    return done.returncode == 0 and "--speedscope" in done.stdout


def timed(command, environment):
    """(wall seconds, CPU seconds) of the whole command: the CPU of the processes it waited for (a profiler that
    starts the program as its child counts both: py-spy's sampling and the target's work)."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                                   env=environment, cwd=PROGRAMS_DIR)
        _pid, status, usage = os.wait4(process.pid, 0)
        took = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            said = errors.read().decode(errors="replace").strip()[-500:]
            raise RuntimeError("%s exited %d: %s" % (" ".join(command), process.returncode, said))
    return took, usage.ru_utime + usage.ru_stime


def measure(name, command, reader, program, known, repeats, environment, out):
    ratios, cpu_ratios, errors, runs = [], [], [], []
    first = next(iter(known))
    for pair in range(repeats):
        if os.path.exists(out):
            os.unlink(out)
        order = ["base", "tool"] if pair % 2 == 0 else ["tool", "base"]
        took = {}
        for side in order:
            took[side] = timed([PYTHON, program] if side == "base" else command, environment)
        ratios.append(took["tool"][0] / took["base"][0])
        cpu_ratios.append(took["tool"][1] / took["base"][1])
        split = shares(reader(out, list(known)))
        runs.append(split)
        if split is not None:
            errors.append(statistics.fmean(abs(split[f] - known[f]) for f in known))
    seen = [run for run in runs if run is not None]
    mean = {f: statistics.fmean(run[f] for run in seen) for f in known} if seen else None
    bias = None
    if seen:
        spread = statistics.stdev(run[first] for run in seen) if len(seen) > 1 else 0.0
        bias = (mean[first] - known[first], spread / len(seen) ** 0.5)
    return {"tool": name, "ratios": ratios, "cpu_ratios": cpu_ratios, "errors": errors, "shares": mean,
            "bias": bias, "first": first, "blind_runs": len(runs) - len(seen)}


def ratio_text(ratios):
    return "%.2fx [%.2f-%.2f]" % (statistics.median(ratios), min(ratios), max(ratios))


def error_text(errors):
    if not errors:
        return "n/a"
    return "%.3f ± %.3f" % (statistics.fmean(errors), statistics.stdev(errors) if len(errors) > 1 else 0.0)


def bias_text(row):
    if row["bias"] is None:
        return "n/a"
    bias, standard_error = row["bias"]
    return "%s %+.3f ± %.3f" % (row["first"], bias, standard_error)


def profile_cost(pyinspect, program, rates, repeats, environment):
    """`pyinspect profile --rate R` over `pyinspect run`, pairs alternating: {rate: (wall ratios, CPU ratios)}."""
    costs = {}
    for rate in rates:
        walls, cpus = [], []
        for pair in range(repeats):
            order = ["run", "profile"] if pair % 2 == 0 else ["profile", "run"]
            took = {}
            for side in order:
                command = [pyinspect, "run", "--quiet", program] if side == "run" else \
                    [pyinspect, "profile", "--quiet", "--rate", str(rate), program]
                took[side] = timed(command, environment)
            walls.append(took["profile"][0] / took["run"][0])
            cpus.append(took["profile"][1] / took["run"][1])
        costs[rate] = (walls, cpus)
    return costs


def section(results, repeats, pyinspect_note, scale, costs):
    lines = [HEADING, "",
             "Each program's split of time is known by construction. Share error: each run's mean absolute error over",
             "the program's functions, mean ± standard deviation over %d runs; bias: the first function's share" % repeats,
             "averaged over the runs minus the known share, ± the standard error of that mean (a bias several standard",
             "errors from 0 is the tool's, not the sampling's). Overheads: the profiled run's whole-process wall time,",
             "and CPU time (user + system of every process it waited for, the profiler's included), over the",
             "unprofiled `python3 PROGRAM`'s, pairs alternating (median [min-max]; on a busy machine the CPU ratio is",
             "the steadier; a wall ratio under 1 is the scheduler's doing, likely: a target that py-spy stops and",
             "resumes at every sample may get more of a loaded CPU than the unprofiled run).",
             "n/a: the tool saw none of the program's functions",
             "(cProfile and pyinstrument profile only the thread that started them).",
             "Command: `/usr/bin/python3 bench/profile_bench.py --pyinspect .build/release/pyinspect --peer-python "
             "bench/.venv/bin/python --repeats %d --scale %g`." % (repeats, scale), ""]
    lines += ["Load average (5 min) when the section ended: %.1f on %d cores." % (os.getloadavg()[1], os.cpu_count()), ""]
    if pyinspect_note:
        lines += [pyinspect_note, ""]
    lines += ["| program (known split) | tool | mean shares | share error (MAE) | bias | wall overhead | CPU overhead |",
              "|---|---|---|---|---|---|---|"]
    for label, known, rows in results:
        split = " / ".join("%s %.2f" % (f, v) for f, v in known.items())
        for row in rows:
            if "failed" in row:
                lines.append("| %s (%s) | %s | failed: %s | | | | |" % (label, split, row["tool"], row["failed"]))
                continue
            got = " / ".join("%.3f" % row["shares"][f] for f in known) if row["shares"] else "n/a"
            wall, cpu = (ratio_text(row["ratios"]), ratio_text(row["cpu_ratios"]))
            lines.append("| %s (%s) | %s | %s | %s | %s | %s | %s |"
                         % (label, split, row["tool"], got, error_text(row["errors"]), bias_text(row), wall, cpu))
    if costs:
        lines += ["", "`pyinspect profile` against `pyinspect run` on the same program (its own cost; pairs alternating,",
                  "median [min-max] of the pair ratios):", "",
                  "| program | rate | target | wall ratio | CPU ratio |", "|---|---|---|---|---|"]
        for label, by_rate in costs:
            for rate, (walls, cpus) in by_rate.items():
                target = {100: "1.05x", 1000: "1.15x"}.get(rate, "")
                lines.append("| %s | %d Hz | %s | %s | %s |" % (label, rate, target, ratio_text(walls), ratio_text(cpus)))
    return "\n".join(lines) + "\n"


def update(path, text):
    """Puts the section into the document in place of its previous version (up to the next `## `), or at its end."""
    try:
        with open(path) as source:
            document = source.read()
    except FileNotFoundError:
        document = ""
    start = document.find(HEADING)
    if start < 0:
        document = document.rstrip("\n") + "\n\n" + text
    else:
        end = document.find("\n## ", start + len(HEADING))
        document = document[:start] + text + (document[end + 1:] if end >= 0 else "")
    with open(path, "w") as out:
        out.write(document)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", default=os.path.join(HERE, ".venv", "bin", "python"))
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--scale", type=float, default=2.0, help="scales the programs' rounds (1.0: ~2 s each)")
    parser.add_argument("--only", nargs="*", help="program files to run")
    parser.add_argument("--tools", nargs="*", help="tools to run (names as in the table, e.g. 'py-spy 100 Hz')")
    parser.add_argument("--cost-programs", nargs="*", default=["one_thread_7_3.py", "two_cpu_threads.py"],
                        help="programs `profile` is timed against `run` on (none: skip)")
    parser.add_argument("--update", help="also write the section into this markdown file")
    args = parser.parse_args()
    pyinspect = os.path.abspath(args.pyinspect)
    peer_python = os.path.abspath(args.peer_python)  # not resolved: the virtualenv's python is a symlink
    note = None
    if not pyinspect_has_profile(pyinspect):
        note = ("pyinspect: skipped (`%s profile --help` failed: this build has no `profile` command yet)."
                % os.path.relpath(pyinspect, ROOT))
        print("profile_bench: " + note, file=sys.stderr)
        pyinspect = None
    environment = dict(os.environ, PYI_BENCH_SCALE=str(args.scale))
    results = []
    with tempfile.TemporaryDirectory(prefix="pyinspect-profile-bench-") as work:
        for label, file, known in PROGRAMS:
            if args.only and file not in args.only:
                continue
            program = os.path.join(PROGRAMS_DIR, file)
            rows = []
            for name, (command, reader) in tools(pyinspect, peer_python, program, os.path.join(work, "out")).items():
                if args.tools and name not in args.tools:
                    continue
                print("profile_bench: %s under %s" % (file, name), file=sys.stderr, flush=True)
                try:
                    rows.append(measure(name, command, reader, program, known, args.repeats, environment,
                                        os.path.join(work, "out")))
                except (RuntimeError, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as error:
                    rows.append({"tool": name, "failed": str(error).replace("|", "/")[:200]})
            results.append((label, known, rows))
    costs = []
    for label, file, _known in PROGRAMS:
        if pyinspect and file in (args.cost_programs or []):
            print("profile_bench: %s, profile against run" % file, file=sys.stderr, flush=True)
            costs.append((label, profile_cost(pyinspect, os.path.join(PROGRAMS_DIR, file), [100, 1000],
                                              args.repeats, environment)))
    text = section(results, args.repeats, note, args.scale, costs)
    print(text)
    if args.update:
        update(args.update, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
