#!/usr/bin/env bash
# How `workshop start` keeps up during a check: a copy of the course whose exercise 1 grows its
# heap for about 3 s, checked in a 200x60 tmux pane (own socket); workshop writes, per check, the
# frames drawn, their render+draw time and the age of the data they showed (WORKSHOP_START_STATS).
# Usage: Benchmarks/start.sh [RUNS]   (WORKSHOP_CONFIGURATION=debug for a debug build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-3}
configuration=${WORKSHOP_CONFIGURATION:-release}
WORKSHOP_CONFIGURATION=$configuration bin=$(Scripts/bootstrap.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r Exercises Solutions Lessons "$work/"
# fibonacci(count:) appends one number at a time and pauses every 1,000: the workload's two calls
# of 200,000 numbers take about 3 s in all, while the heap grows step by step.
cat > "$work/Exercises/exercise_1/Fibonacci.swift" <<'SWIFT'
import Foundation

func fibonacci(count: Int) -> [Int] {
  var numbers: [Int] = []
  var current = 0
  var next = 1
  for index in 0..<count {
    numbers.append(current)
    (current, next) = (next, current &+ next)
    if index % 1_000 == 0 { usleep(7_500) }
  }
  return numbers
}

func evenFibonacci(count: Int) -> [Int] {
  var evens: [Int] = []
  for number in fibonacci(count: count) where number % 2 == 0 { evens.append(number) }
  return evens
}
SWIFT
stats="$work/stats.txt"
for run in $(seq "$runs"); do
  socket="start-bench-$$-$run"
  rm -rf "$work/.workshop/captures"
  tmux -L "$socket" new-session -d -x 200 -y 60 -c "$work" \
    "env TERM=tmux-256color LANG=C.UTF-8 WORKSHOP_START_STATS=$stats $bin/workshop start; tmux -L $socket wait-for -S done"
  sleep 1
  tmux -L "$socket" send-keys Space c
  for _ in $(seq 600); do
    if tmux -L "$socket" capture-pane -p | grep -qE "^(FAILED|PASSED) exercise_1|[|│](FAILED|PASSED) exercise_1"; then break; fi
    sleep 0.1
  done
  tmux -L "$socket" send-keys q
  timeout 20 tmux -L "$socket" wait-for done || true
  tmux -L "$socket" kill-server 2>/dev/null || true
done
echo "$(date -u +%Y-%m-%d) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $configuration build"
cat "$stats"
