#!/usr/bin/env bash
# Times reading and rendering a generated 5,000-line lesson (release build). Add the figure it prints to
# Benchmarks/RESULTS.md with the date and the machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift run -c release LessonBenchmark
