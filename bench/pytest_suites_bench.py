#!/usr/bin/env python3
"""`pyinspect test --leaks` on real test suites from PyPI, against plain pytest.

    bench/pytest_suites_bench.py --pyinspect .build/release/pyinspect [--suites toolz more-itertools packaging]

Creates bench/.venv-suites (once) with /usr/bin/python3 -m venv, pytest and the suites' test dependencies; the
suites' sdists (pinned below) are downloaded once into bench/.cache/sdists, unpacked under bench/.cache/suites
and installed into that virtualenv. For each suite, in its unpacked directory: plain pytest (the virtualenv's
python, i.e. /usr/bin/python3's), then `pyinspect test --leaks` with the virtualenv activated, then plain pytest
again; the ratio is pyinspect's time over the faster plain run (wall clock, whole process). Prints a markdown
section: times, ratio, tests flagged, and each flagged test's first lines (kind, site).
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
PYTHON = "/usr/bin/python3"
# name on PyPI, version, pytest arguments (relative to the unpacked sdist)
SUITES = {
    "toolz": ("toolz", "1.2.0", []),
    "more-itertools": ("more_itertools", "11.2.1", ["tests"]),
    # Without the property tests (hypothesis) and test_pylock.py (tomli_w): test dependencies kept to pretend.
    "packaging": ("packaging", "26.4", ["tests", "--ignore=tests/property", "--ignore=tests/test_pylock.py"]),
}
TEST_REQUIREMENTS = ["pytest", "pretend"]  # pretend: packaging's tests


def ensure_venv(venv):
    python = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, ".suites-installed")
    wanted = " ".join(TEST_REQUIREMENTS + [f"{n}=={v}" for n, v, _ in SUITES.values()])
    if os.path.exists(marker) and open(marker).read() == wanted:
        return python
    if not os.path.exists(python):
        subprocess.run([PYTHON, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q"] + TEST_REQUIREMENTS, check=True)
    with open(marker, "w") as out:
        out.write(wanted)
    return python


def ensure_suite(python, key):
    name, version, _ = SUITES[key]
    sdists = os.path.join(CACHE, "sdists")
    archive = os.path.join(sdists, f"{name}-{version}.tar.gz")
    if not os.path.exists(archive):
        subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", sdists,
                        f"{key}=={version}"], check=True)
    directory = os.path.join(CACHE, "suites", f"{name}-{version}")
    if not os.path.isdir(directory):
        with tarfile.open(archive) as tar:
            tar.extractall(os.path.join(CACHE, "suites"))  # PyPI sdists of pinned versions
    installed = subprocess.run([python, "-m", "pip", "show", key], capture_output=True, text=True).stdout
    if f"Version: {version}" not in installed:
        subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", archive], check=True)
    return directory


def timed(command, directory, environment):
    """(wall seconds, CPU seconds of the process and its children, exit status, output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=directory, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return (wall, cpu), done.returncode, done.stdout


def last_line(output):
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else ""


def failures(output):
    """{test id: first lines of its failure report} for every FAILED test."""
    flagged = {}
    for line in output.splitlines():
        if line.startswith("FAILED "):
            flagged[line[len("FAILED "):].split(" ")[0]] = []
    for test in flagged:
        match = re.search(r"^pyinspect: " + re.escape(test) + r" leaks .*?(?=^_{3,}|^={3,}|^pyinspect: \d)", output,
                          re.S | re.M)
        if match:
            lines = [line for line in match.group(0).splitlines()
                     if not line.startswith("        ") and "traceback (innermost" not in line]
            flagged[test] = lines[:4]
    return flagged


def run_suite(pyinspect, python, key, budget):
    directory = ensure_suite(python, key)
    arguments = ["-q", "-p", "no:cacheprovider"] + SUITES[key][2]
    venv = os.path.dirname(os.path.dirname(python))
    environment = dict(os.environ, VIRTUAL_ENV=venv, PATH=os.path.join(venv, "bin") + ":" + os.environ["PATH"])
    environment.pop("PYTHONPATH", None)
    plain = [python, "-m", "pytest"] + arguments
    checked = [pyinspect, "test", "--quiet"] + arguments + ["--leaks"]
    if budget is not None:
        checked += ["--leaks-budget", str(budget)]
    first, _, plain_output = timed(plain, directory, environment)
    leak_time, status, output = timed(checked, directory, environment)
    second, _, _ = timed(plain, directory, environment)
    summary = [line for line in output.splitlines() if line.startswith("pyinspect: ") and "tests checked" in line]
    return {"suite": f"{key} {SUITES[key][1]}", "plain": min(first[0], second[0]),
            "plain_cpu": min(first[1], second[1]), "leaks": leak_time[0], "leaks_cpu": leak_time[1], "status": status, "plain_result": last_line(plain_output),
            "result": last_line(output), "summary": summary[0] if summary else "", "flagged": failures(output),
            "inconclusive": [line for line in output.splitlines() if "inconclusive, passed" in line]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", help="unused: the suites get their own virtualenv")
    parser.add_argument("--venv", default=os.path.join(HERE, ".venv-suites"))
    parser.add_argument("--suites", nargs="*", default=["toolz", "more-itertools"])
    parser.add_argument("--budget", type=float, help="--leaks-budget (default: the plugin's)")
    args = parser.parse_args()
    pyinspect = os.path.abspath(args.pyinspect)
    python = ensure_venv(args.venv)
    results = [run_suite(pyinspect, python, key, args.budget) for key in args.suites]
    print("## pytest --leaks on real suites (bench/pytest_suites_bench.py)\n")
    print(f"Suites from their PyPI sdists, pytest {pytest_version(python)} in bench/.venv-suites "
          f"(/usr/bin/python3 -m venv). Plain: `python -m pytest -q -p no:cacheprovider`; pyinspect: "
          f"`pyinspect test --quiet -q -p no:cacheprovider --leaks` (virtualenv activated). Wall clock of the whole "
          f"process and CPU time (user+system, children included); plain is the faster of two runs around pyinspect's. {os.cpu_count()} cores, load average "
          f"{open('/proc/loadavg').read().split()[0]} at the end.\n")
    print("| suite | plain pytest: wall, CPU | pyinspect test --leaks: wall, CPU | ratio wall | ratio CPU | result "
          "| flagged |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['suite']} | {r['plain']:.1f} s, {r['plain_cpu']:.1f} s ({r['plain_result']}) | "
              f"{r['leaks']:.1f} s, {r['leaks_cpu']:.1f} s | **{r['leaks'] / r['plain']:.1f}x** | "
              f"**{r['leaks_cpu'] / r['plain_cpu']:.1f}x** | {r['result']} | {len(r['flagged'])} |")
    for r in results:
        print(f"\n{r['suite']}: {r['summary'] or 'no plugin summary (exit ' + str(r['status']) + ')'}")
        for test, lines in r["flagged"].items():
            print(f"\n- `{test}`:\n```\n" + "\n".join(lines) + "\n```")
        for line in r["inconclusive"]:
            print(f"- {line}")
    return 0 if all(r["summary"] for r in results) else 1


def pytest_version(python):
    done = subprocess.run([python, "-c", "import pytest; print(pytest.__version__)"], capture_output=True, text=True)
    return done.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
