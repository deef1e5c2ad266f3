#!/usr/bin/env bash
# Fuzzes the lesson reader with libFuzzer: Tests/Fuzz/run.sh [SECONDS] (default 300).
# Builds .build/fuzz/fuzz-lessontext from Sources/LessonText and Tests/Fuzz, seeds a corpus from the tree
# dump test sources and the seed pages (when ../shared/seeds exists), and runs with a 10 s per-input
# timeout so that hangs are reported as well as crashes. Crashing inputs land in .build/fuzz/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds=${1:-300}
out=.build/fuzz
mkdir -p "$out/corpus"
mkdir -p "$out/modules"
# TextWidth, which LessonText imports, is a module of its own (instrumented too).
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name TextWidth -emit-module \
  -emit-module-path "$out/modules/TextWidth.swiftmodule" -wmo -c Sources/TextWidth/*.swift -o "$out/TextWidth.o"
swiftc -O -sanitize=fuzzer,address -parse-as-library -I "$out/modules" -module-name LessonTextFuzz \
  Sources/LessonText/*.swift Tests/Fuzz/FuzzLessonText.swift "$out/TextWidth.o" -o "$out/fuzz-lessontext"
if [[ -d ../shared/seeds ]]; then cp ../shared/seeds/* "$out/corpus/" 2>/dev/null || true; fi
python3 - "$out/corpus" <<'PY'
import re, sys, pathlib
text = pathlib.Path("Tests/LessonTextTests/TreeDumpTests.swift").read_text()
for i, m in enumerate(re.finditer(r'source: #"""\n(.*?)\n        """#', text, re.S)):
    body = "\n".join(l[8:] for l in m.group(1).split("\n")) + "\n"
    pathlib.Path(sys.argv[1], f"case{i}.rst").write_text(body)
# Inputs that once made the reader quadratic (issue 11, item 8): each must stay under the timeout.
hostile = {
    "emphasis": "*a " * 8000, "substitutions": "|a " * 8000, "roles": ":r:`a " * 4000,
    "footnotes": "[a " * 8000 + "]_", "mixed": "*a |a `a :r:`a [a ``a _`a " * 1500, "colons": ":" * 30000,
    "nested-list": "\n".join("  " * i + "- x\n" for i in range(2000)),
    "nested-quotes": "\n".join(" " * i + "x\n" for i in range(2000)),
}
for name, body in hostile.items():
    pathlib.Path(sys.argv[1], f"hostile-{name}.rst").write_text(body + "\n")
PY
SWIFT_BACKTRACE=enable=no "$out/fuzz-lessontext" "$out/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=5000000 \
  -artifact_prefix="$out/" -print_final_stats=1
echo "corpus: $(ls "$out/corpus" | wc -l) files"
