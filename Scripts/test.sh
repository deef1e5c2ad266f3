#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, builds, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=$(Scripts/bootstrap.sh --tests)
export WORKSHOP_BIN_PATH=$bin
swift test "$@"
