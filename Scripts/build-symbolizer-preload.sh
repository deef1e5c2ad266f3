#!/usr/bin/env bash
# Builds the library workshop preloads into llvm-symbolizer (Sources/SymbolizerPreload: zlib's
# uncompress through libdeflate) with the C compiler alone: it links no Swift runtime.
# Usage: Scripts/build-symbolizer-preload.sh OUTPUT.so
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
output=${1:?usage: Scripts/build-symbolizer-preload.sh OUTPUT.so}
mkdir -p "$(dirname "$output")"
# Rebuild only when the source or this script is newer than the library.
if [[ -f $output ]]; then
  newer=$(find Sources/SymbolizerPreload Scripts/build-symbolizer-preload.sh -newer "$output" -type f | head -n 1)
  [[ -z $newer ]] && exit 0
fi
${CC:-cc} -std=gnu11 -O2 -fPIC -shared -fvisibility=hidden -Wall -Wextra \
  Sources/SymbolizerPreload/*.c -o "$output.tmp" -ldl -lpthread -Wl,--no-undefined
mv -f "$output.tmp" "$output"
