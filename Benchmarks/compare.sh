#!/usr/bin/env bash
# Issue 13's comparison against heaptrack and massif on every workload of its table (see compare.py).
# Usage: Benchmarks/compare.sh [compare.py's options: --runs N --label before --only churn,...]
# Builds the release first, installs heaptrack and valgrind if missing; appends its section to
# Benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
missing=()
for package in heaptrack valgrind sqlite3; do
  command -v "$package" >/dev/null || missing+=("$package")
done
if ((${#missing[@]})); then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
bin=$(WORKSHOP_CONFIGURATION=release Scripts/bootstrap.sh)
exec python3 Benchmarks/compare.py --bin "$bin" "$@"
