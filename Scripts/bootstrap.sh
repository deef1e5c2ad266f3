#!/usr/bin/env bash
# Makes a fresh machine ready: installs the Debian packages workshop needs when they are missing,
# builds the Swift package, the preloaded tracker and the library preloaded into llvm-symbolizer,
# and prints the folder that holds them.
# Usage: Scripts/bootstrap.sh [--tests]   (WORKSHOP_CONFIGURATION=release for an optimised build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# libdeflate0: llvm-symbolizer inflates debug information with it (Sources/SymbolizerPreload).
packages=(libunwind-dev libncurses-dev libzstd-dev libdeflate0)
# The tests also drive the real terminal UI in tmux and open the HTML flamegraph in headless Chromium.
[[ ${1:-} == --tests ]] && packages+=(tmux chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

configuration=${WORKSHOP_CONFIGURATION:-debug}
build_flags=(-c "$configuration")
[[ ${1:-} == --tests ]] && build_flags+=(--build-tests)
swift build "${build_flags[@]}" >&2
bin=$(swift build -c "$configuration" --show-bin-path)
Scripts/build-tracker.sh "$bin/libworkshop_tracker.so" >&2
Scripts/build-symbolizer-preload.sh "$bin/libworkshop_symbolizer_inflate.so" >&2
echo "$bin"
