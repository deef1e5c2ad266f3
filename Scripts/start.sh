#!/usr/bin/env bash
# Builds workshop and runs the demo program under the tracker (becomes `workshop start` with the TUI).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=$(Scripts/bootstrap.sh)
exec "$bin/workshop" run --output "${TMPDIR:-/tmp}/workshop-demo.$$.bin" -- "$bin/workshop-demo" "$@"
