#!/usr/bin/env python3
"""What a checkpoint costs a running service: the pause its threads see, on a heap of about a million objects.

The target (bench/services/big_heap.py, under `pyinspect run --control`) has a ticker thread that wakes every
0.5 ms and records its longest gap: the time it could not run. Each round resets the gap, takes
`pyinspect checkpoint`, and reads the gap back; idle rounds do the same with no checkpoint (the ticker's own
jitter on this machine). Prints one markdown section.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "services", "big_heap.py")


class Target:
    def __init__(self, pyinspect, control, records):
        self.process = subprocess.Popen([pyinspect, "run", "--control", control, FIXTURE, str(records)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        ready = self.process.stdout.readline().split()
        if not ready or ready[0] != "ready":
            raise SystemExit(f"the target did not start: {ready}")
        self.tracked = int(ready[1])

    def say(self, command, answer_prefix):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline().strip()
        if not line.startswith(answer_prefix):
            raise SystemExit(f"unexpected answer to {command}: {line!r}")
        return line

    def gap_ms(self):
        return float(self.say("report", "gap_ms").split()[1])

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def checkpoint(pyinspect, control):
    began = time.monotonic()
    done = subprocess.run([pyinspect, "checkpoint", control, "--json", "-"], capture_output=True, text=True)
    took = time.monotonic() - began
    if done.returncode != 0:
        raise SystemExit(f"checkpoint failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)["checkpoint"], took


def spread(values, unit=""):
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}{unit}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyinspect", required=True)
    parser.add_argument("--peer-python", help="unused: no peer checkpoints a running service this way")
    parser.add_argument("--records", type=int, default=330_000,
                        help="small dicts in the heap; each is three objects (default: about 1.1 M objects)")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pyinspect-bench-") as directory:
        os.chmod(directory, 0o700)
        control = os.path.join(directory, "control.sock")
        target = Target(os.path.abspath(args.pyinspect), control, args.records)
        try:
            idle, gaps, pauses, cpus, trips, objects = [], [], [], [], [], 0
            for _ in range(args.rounds):
                target.say("reset", "reset")
                time.sleep(1.0)  # as long as a checkpoint's round trip, roughly: the ticker's own jitter
                idle.append(target.gap_ms())
                target.say("reset", "reset")
                record, took = checkpoint(args.pyinspect, control)
                gaps.append(target.gap_ms())
                pauses.append(record["pause_s"] * 1000)
                cpus.append(record.get("pause_cpu_s", float("nan")) * 1000)
                trips.append(took * 1000)
                objects = record["objects"]
        finally:
            target.close()
    print(f"""## Services: what a checkpoint costs the running target (bench/services_bench.py)

A target under `pyinspect run --control` with {objects:,} objects on its heap ({args.records:,} small dicts,
{args.records // 10:,} instances; {target.tracked:,} gc-tracked) and a ticker thread that wakes every 0.5 ms and
records its longest gap. {args.rounds} rounds, min / median / max:

| | ms |
|---|---|
| ticker's longest gap, idle (no checkpoint, 1 s) | {spread(idle)} |
| ticker's longest gap during `pyinspect checkpoint` | {spread(gaps)} |
| `pause_s` the checkpoint reports (its census holding the GIL) | {spread(pauses)} |
| `pause_cpu_s`: CPU the census used while it held the GIL | {spread(cpus)} |
| the client's round trip (`pyinspect checkpoint --json -`) | {spread(trips)} |

The census reads the heap with the GIL held (census_walk.c: gc lists in place, types counted, ids noted) and
sorts, dedupes and names with the GIL released; the records stay in the target as JSON text. The rest of the
round trip is Python that yields the GIL every switch interval (5 ms) and the client's own start-up. On a busy
machine the pause's wall time counts other processes' turns as well: `pause_cpu_s` is the census's own work,
what the pause is on an idle core.""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
