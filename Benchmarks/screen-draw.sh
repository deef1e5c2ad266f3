#!/usr/bin/env bash
# Times Screen.draw of a 200x60 grid on a real terminal: a tmux pane of that size (own socket).
# Usage: Benchmarks/screen-draw.sh   (WORKSHOP_CONFIGURATION=debug for a debug build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
configuration=${WORKSHOP_CONFIGURATION:-release}
swift build -c "$configuration" --product ScreenBenchmark >&2
binary="$(swift build -c "$configuration" --show-bin-path)/ScreenBenchmark"
result=$(mktemp)
socket="screen-bench-$$"
tmux -L "$socket" new-session -d -x 200 -y 60 \
  "env TERM=tmux-256color LANG=C.UTF-8 $binary $result; tmux -L $socket wait-for -S done"
timeout 120 tmux -L "$socket" wait-for done || true
tmux -L "$socket" kill-server 2>/dev/null || true
cat "$result"
rm -f "$result"
