#!/usr/bin/env bash
# Builds the preloaded tracker with the C compiler alone, so that it links no Swift runtime and no
# libstdc++ (SwiftPM would link both). libunwind is not linked either: the tracker dlopen()s it
# with RTLD_LOCAL so that it never takes over the program's own _Unwind_* symbols.
# Usage: Scripts/build-tracker.sh OUTPUT.so
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
output=${1:?usage: Scripts/build-tracker.sh OUTPUT.so}
mkdir -p "$(dirname "$output")"
sources=(Sources/Tracker/*.c)
# Rebuild only when a source or header is newer than the library.
if [[ -f $output ]]; then
  newer=$(find Sources/Tracker Sources/TrackerFormat Scripts/build-tracker.sh -newer "$output" -type f | head -n 1)
  [[ -z $newer ]] && exit 0
fi
${CC:-cc} -std=gnu11 -O2 -g -fPIC -shared -fvisibility=hidden -fno-omit-frame-pointer \
  -ftls-model=initial-exec -Wall -Wextra -Wno-unused-parameter \
  -ISources/TrackerFormat/include -ISources/Tracker/include \
  "${sources[@]}" Sources/TrackerFormat/record_names.c \
  -o "$output.tmp" -ldl -lpthread -Wl,-z,nodelete -Wl,--no-undefined
mv -f "$output.tmp" "$output"
