#!/bin/bash
# The hang monitor's cost on a CPU-bound script without asyncio or threads (docs/hangs.md, "Cost").
# Usage: bench/hangs_overhead.sh [PAIRS] [BINARY]
# Interleaved runs of `run --no-hangs` and `run`; each line: the loop's own seconds (the script times itself,
# so process start-up noise stays out), off then on.
set -euo pipefail
pairs=${1:-10}
bin=${2:-.build/debug/pyinspect}
script=Tests/Fixtures/hangs/cpu_bound.py
for _ in $(seq "$pairs"); do
  off=$("$bin" run --quiet --no-hangs "$script" 10000000 2>&1 >/dev/null)
  on=$("$bin" run --quiet "$script" 10000000 2>&1 >/dev/null)
  echo "$off $on"
done | awk '{ print; off += $1; on += $2; n++; if (n == 1 || $1 < moff) moff = $1; if (n == 1 || $2 < mon) mon = $2 }
  END { printf "mean: off %.3f s, on %.3f s (x%.3f); best: off %.3f s, on %.3f s (x%.3f)\n", off/n, on/n, on/off, moff, mon, mon/moff }'
