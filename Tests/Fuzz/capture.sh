#!/usr/bin/env bash
# Fuzzes the capture readers with libFuzzer: Tests/Fuzz/capture.sh [SECONDS] (default 900).
# Builds .build/fuzz-capture/fuzz-capture from the modules a report reads through (each module compiled
# on its own, instrumented, in dependency order) and Tests/Fuzz/FuzzCapture.swift, whose mutator works
# on records (decode, change fields and records, re-encode, compress one time in four). Seeds: every
# capture in Tests/Fuzz/captures (the crashers found so far, kept as regression inputs) and captures of
# real programs run under the tracker. Bounds: 10 s per input, 256 MB of memory. Crashing inputs land in
# .build/fuzz-capture/; copy each into Tests/Fuzz/captures once it is fixed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds=${1:-900}
out=.build/fuzz-capture
mkdir -p "$out/modules" "$out/corpus"
flags=(-O -sanitize=fuzzer,address -parse-as-library -package-name workshop -I "$out/modules" -I Sources/CZstd)
cat >"$out/modules/module.modulemap" <<MAP
module TrackerFormat { header "$PWD/Sources/TrackerFormat/include/workshop_capture.h" export * }
module CProcessLaunch { header "$PWD/Sources/CProcessLaunch/include/process_launch.h" export * }
MAP
clang -O1 -fsanitize=fuzzer-no-link,address -I Sources/TrackerFormat/include -c Sources/TrackerFormat/record_names.c -o "$out/record_names.o"
clang -O1 -fsanitize=fuzzer-no-link,address -I Sources/CProcessLaunch/include -c Sources/CProcessLaunch/process_launch.c -o "$out/process_launch.o"
objects=("$out/record_names.o" "$out/process_launch.o")
for module in ProcessLaunch MemoryTrace Symbols MemoryAnalysis TextWidth LessonText Rendering; do
  swiftc "${flags[@]}" -module-name "$module" -emit-module -emit-module-path "$out/modules/$module.swiftmodule" \
    -c Sources/$module/*.swift -wmo -o "$out/$module.o"
  objects+=("$out/$module.o")
done
swiftc "${flags[@]}" -module-name FuzzCapture Tests/Fuzz/FuzzCapture.swift "${objects[@]}" -lzstd -o "$out/fuzz-capture"
cp Tests/Fuzz/captures/* "$out/corpus/" 2>/dev/null || true
# Real captures: small programs under the tracker, one of them compressed as workshop run leaves it.
bin=$(swift build --show-bin-path)
if [[ -x "$bin/workshop" ]]; then
  for program in "/bin/true" "/bin/ls -la /" "/bin/sh -c 'ls >/dev/null; echo x | cat >/dev/null'"; do
    name=$(echo "$program" | tr -c 'a-z' '_' | cut -c1-20)
    eval "LD_PRELOAD=$bin/libworkshop_tracker.so WORKSHOP_CAPTURE=$out/corpus/real-$name.bin $program" >/dev/null 2>&1 || true
  done
  "$bin/workshop" run -o "$out/corpus/real-run.bin" -- /bin/ls / >/dev/null 2>&1 || true
fi
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=quarantine_size_mb=16:malloc_context_size=5 "$out/fuzz-capture" "$out/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=256 -max_len=262144 \
  -artifact_prefix="$out/" -print_final_stats=1 "${@:2}"
echo "corpus: $(ls "$out/corpus" | wc -l) files"
