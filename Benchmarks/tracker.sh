#!/usr/bin/env bash
# The tracker benchmark: Benchmarks/alloc_churn.c run untracked, under the workshop tracker, under
# heaptrack and under valgrind's massif, side by side in one run; then the capture sizes and the
# time of `workshop stats` against `heaptrack_print`. Prints a Markdown section for RESULTS.md.
# Usage: Benchmarks/tracker.sh [RUNS]   (release build; installs heaptrack and valgrind if missing)
# Before/after: WORKSHOP_BASELINE_BIN=<another checkout's release bin folder> times its `workshop run`
# in the same interleaved runs (WORKSHOP_BASELINE_LABEL names it in the table).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-5}
missing=()
for package in heaptrack valgrind; do
  command -v "$package" >/dev/null || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
bin=$(WORKSHOP_CONFIGURATION=release Scripts/bootstrap.sh)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cc -O2 -g -fno-omit-frame-pointer -fno-builtin Benchmarks/alloc_churn.c -o "$scratch/alloc_churn"
cc -O2 -g -fno-omit-frame-pointer -fno-builtin -pthread Benchmarks/alloc_churn_threads.c -o "$scratch/alloc_churn_threads"
python3 Benchmarks/tracker_benchmark.py --bin "$bin" --program "$scratch/alloc_churn" \
  --threaded-program "$scratch/alloc_churn_threads" --scratch "$scratch" --runs "$runs" \
  ${WORKSHOP_BASELINE_BIN:+--baseline-bin "$WORKSHOP_BASELINE_BIN"} \
  ${WORKSHOP_BASELINE_LABEL:+--baseline-label "$WORKSHOP_BASELINE_LABEL"}
