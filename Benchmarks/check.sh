#!/usr/bin/env bash
# Times `workshop check` on an unchanged exercise, its build and its solution's build cached: the
# check's wall time (measured from outside, process start-up included) minus the time the learner's
# program ran under the tracker is what the check itself costs (target: under 1 s).
# Usage: Benchmarks/check.sh [EXERCISE] [RUNS]   (default: 1 and 10; a release build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exercise=${1:-1}
runs=${2:-10}
bin=$(WORKSHOP_CONFIGURATION=release Scripts/bootstrap.sh)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/course"
cp -r Exercises Solutions Lessons "$scratch/course/"
export WORKSHOP_COURSE_DIR=$scratch/course
# The first check builds the exercise and its solution and measures the solution; the runs reuse them.
"$bin/workshop" check "$exercise" >/dev/null 2>&1 || true

totals=() programs=() owns=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  line=$(WORKSHOP_CHECK_TIMING=1 "$bin/workshop" check "$exercise" 2>&1 >/dev/null | grep 'timing:' || true)
  end=$(date +%s%N)
  program=$(sed -E 's/.*program ([0-9.]+) s.*/\1/' <<<"$line")
  total=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  totals+=("$total") programs+=("$program")
  owns+=("$(awk -v t="$total" -v p="$program" 'BEGIN { printf "%.3f", t - p }')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
range() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "–" hi }'; }
verdict=$("$bin/workshop" check "$exercise" 2>/dev/null | head -1 | cut -d: -f1 || true)
echo "workshop check $exercise ($verdict), $runs runs, cached builds, $(uname -m), $(nproc) cores"
echo "  check wall time     median $(median "${totals[@]}") s   ($(range "${totals[@]}") s)"
echo "  program under tracker   median $(median "${programs[@]}") s   ($(range "${programs[@]}") s)"
echo "  check's own time    median $(median "${owns[@]}") s   ($(range "${owns[@]}") s)"
