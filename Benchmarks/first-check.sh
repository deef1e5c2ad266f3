#!/usr/bin/env bash
# Times the first check of each exercise and a check of the unchanged exercise, release build:
#   cold       a build cache with nothing in it: the learner's files and the reference solution
#              compile (on two threads) and the solution is measured
#   prepared   after `workshop prepare` (what Scripts/start.sh runs): the first check a learner makes
#   unchanged  the same check again
# Rounds interleave the exercises; each figure is the median of the rounds (wall time, from outside).
# Usage: Benchmarks/first-check.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
bin=$(WORKSHOP_CONFIGURATION=release Scripts/bootstrap.sh)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
exercises=$(cd Exercises && ls -d exercise_* | sed 's/exercise_//' | sort -n)

seconds() { # runs "$@", prints its wall time in seconds
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}
fresh_course() { # a copy of the course with its own (empty) build cache
  rm -rf "$scratch/course" "$scratch/cache"
  mkdir -p "$scratch/course"
  cp -r Exercises Solutions Lessons "$scratch/course/"
  export WORKSHOP_COURSE_DIR=$scratch/course WORKSHOP_BUILD_CACHE=$scratch/cache
}

declare -A cold prepared unchanged
prepare_times=()
for round in $(seq "$rounds"); do
  fresh_course
  for n in $exercises; do cold[$n]+="$(seconds "$bin/workshop" check "$n") "; done
  fresh_course
  prepare_times+=("$(seconds "$bin/workshop" prepare)")
  for n in $exercises; do
    prepared[$n]+="$(seconds "$bin/workshop" check "$n") "
    unchanged[$n]+="$(seconds "$bin/workshop" check "$n") "
  done
  echo "round $round of $rounds done" >&2
done

median() { printf '%s\n' $@ | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "first and unchanged checks, release, median of $rounds rounds, $(uname -m), $(nproc) cores"
printf '%-10s %10s %10s %10s\n' exercise cold prepared unchanged
for n in $exercises; do
  printf '%-10s %9ss %9ss %9ss\n' "$n" "$(median "${cold[$n]}")" "$(median "${prepared[$n]}")" "$(median "${unchanged[$n]}")"
done
echo "workshop prepare (every exercise): median $(median "${prepare_times[@]}") s"
