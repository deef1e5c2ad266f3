#!/usr/bin/env bash
# Times `workshop flamegraph` and `workshop summary` on the tracker benchmark's capture against
# `heaptrack_print` on heaptrack's capture of the same program, side by side (release build).
# Usage: Benchmarks/reports.sh [RUNS]   (needs heaptrack; prints one line per tool and run)
# For issue 13's workloads, two builds side by side with a cold and a warm symbol cache, see
# Benchmarks/reports.py (on the captures a `compare.py --scratch DIR` run leaves).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-3}
bin=$(WORKSHOP_CONFIGURATION=release Scripts/bootstrap.sh)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cc -O2 -g -fno-omit-frame-pointer -fno-builtin Benchmarks/alloc_churn.c -o "$scratch/alloc_churn"
# The capture as `workshop run` leaves it: compressed with zstd once the program has ended.
"$bin/workshop" run -o "$scratch/churn.bin" -- "$scratch/alloc_churn" 2>/dev/null
heaptrack -o "$scratch/heaptrack.churn" "$scratch/alloc_churn" >/dev/null 2>&1
heaptrack_capture=$(ls "$scratch"/heaptrack.churn.*)
echo "captures: workshop $(stat -c %s "$scratch/churn.bin") bytes, heaptrack $(stat -c %s "$heaptrack_capture") bytes"
for ((run = 1; run <= runs; run++)); do
  /usr/bin/time -f "%e s  %M KB  workshop flamegraph" "$bin/workshop" flamegraph "$scratch/churn.bin" --width 120 >/dev/null
  /usr/bin/time -f "%e s  %M KB  workshop flamegraph --format folded" "$bin/workshop" flamegraph "$scratch/churn.bin" --format folded >/dev/null
  /usr/bin/time -f "%e s  %M KB  workshop summary" "$bin/workshop" summary "$scratch/churn.bin" >/dev/null
  /usr/bin/time -f "%e s  %M KB  heaptrack_print" heaptrack_print "$heaptrack_capture" >/dev/null
  /usr/bin/time -f "%e s  %M KB  heaptrack_print -F (flamegraph)" heaptrack_print -F "$scratch/folded.txt" "$heaptrack_capture" >/dev/null
done
