#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, builds, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=$(Scripts/bootstrap.sh --tests)
# A module of ours imported by a target that does not declare it fails the run (SwiftPM would not).
python3 Scripts/check-imports.py
export WORKSHOP_BIN_PATH=$bin
# A test that hangs fails the run within a bound instead of holding CI until its own limit.
timeout --kill-after=30s "${WORKSHOP_TEST_TIMEOUT:-40m}" swift test "$@"
