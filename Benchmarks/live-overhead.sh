#!/usr/bin/env bash
# `workshop run --live` against `workshop run` on the tracker benchmark (Benchmarks/alloc_churn.c),
# side by side in tmux panes, interleaved; prints a Markdown section for RESULTS.md.
# Usage: Benchmarks/live-overhead.sh [RUNS]   (release build; needs tmux)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-7}
bin=$(WORKSHOP_CONFIGURATION=release Scripts/bootstrap.sh)
command -v tmux >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux; } >&2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cc -O2 -g -fno-omit-frame-pointer -fno-builtin Benchmarks/alloc_churn.c -o "$scratch/alloc_churn"
python3 Benchmarks/live_overhead.py --bin "$bin" --program "$scratch/alloc_churn" --scratch "$scratch" --runs "$runs"
