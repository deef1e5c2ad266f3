"""Times the reports alone, interleaved: `workshop stats` and `workshop flamegraph --width 120` of
two builds on the same captures, against `heaptrack_print` on heaptrack's capture of the same run.

The captures come from a `compare.py --scratch DIR` run (KEY.workshop.bin and KEY.heaptrack.*), so
the reports can be timed again without running the workloads again. The newer build is timed twice:
with a symbol cache it filled in an earlier round ("warm", what a second report of a program
meets) and with an empty one each time ("cold", the first report of a program just built); the older
build reads the warm cache too, and with --before-cold an empty one each time as well ("before cold").
Every workload of compare.py by default.

Usage: python3 Benchmarks/reports.py --scratch DIR --bin NEW_BIN --baseline-bin OLD_BIN
           [--runs 5] [--only swift,python,...] [--raw FILE] [--before-cold] [--digits 3]
       python3 Benchmarks/reports.py --table FILE [--digits 3]
Prints one Markdown table: medians, wall seconds and CPU seconds in brackets. --raw also appends
every measure to FILE, so that a long comparison can be run in pieces (each under the benchmark
lock's 3 minutes) and --table makes the table of all of them.
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def measured(command, env):
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch")
    parser.add_argument("--bin")
    parser.add_argument("--baseline-bin")
    parser.add_argument("--raw", help="append every measure to this file")
    parser.add_argument("--table", help="print the table of the measures in this file and stop")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before-cold", action="store_true",
                        help="also time the older build with an empty symbol cache each run")
    parser.add_argument("--digits", type=int, default=2, help="decimals of the seconds in the table")
    parser.add_argument("--only", default="churn,alloc_churn,threads1,threads2,threads4,threads8,tree20,trees4,tree_build,"
                        "sqlite,python,swift")
    args = parser.parse_args()
    if args.table:
        return table(args.table, args.digits)
    if not (args.scratch and args.bin and args.baseline_bin):
        parser.error("--scratch, --bin and --baseline-bin are needed")
    new = os.path.join(os.path.abspath(args.bin), "workshop")
    old = os.path.join(os.path.abspath(args.baseline_bin), "workshop")
    warm_cache = tempfile.mkdtemp(prefix="workshop-symbols-warm-")
    load_before = os.getloadavg()
    rows = []
    try:
        for key in args.only.split(","):
            capture = os.path.join(args.scratch, f"{key}.workshop.bin")
            heaptrack = glob.glob(os.path.join(args.scratch, f"{key}.heaptrack.*"))[0]
            commands = {}
            for report, extra in [("stats", []), ("flamegraph", ["--width", "120"])]:
                # The older build reads the same warm cache: both builds name frames the same way.
                commands[f"{report} before"] = ([old, report, capture, *extra], "warm")
                if args.before_cold:
                    commands[f"{report} before cold"] = ([old, report, capture, *extra], "cold")
                commands[f"{report} cold"] = ([new, report, capture, *extra], "cold")
                commands[f"{report} warm"] = ([new, report, capture, *extra], "warm")
            commands["heaptrack_print"] = (["heaptrack_print", heaptrack], "none")
            # Fills the warm cache once, untimed.
            subprocess.run([new, "stats", capture], env={**os.environ, "WORKSHOP_SYMBOL_CACHE": warm_cache},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, (command, cache) in commands.items():
                    env = dict(os.environ)
                    cold = None
                    if cache == "warm":
                        env["WORKSHOP_SYMBOL_CACHE"] = warm_cache
                    elif cache == "cold":
                        cold = tempfile.mkdtemp(prefix="workshop-symbols-cold-")
                        env["WORKSHOP_SYMBOL_CACHE"] = cold
                    times[name].append(measured(command, env))
                    if args.raw:
                        with open(args.raw, "a") as raw:
                            raw.write(f"{key}\t{name}\t{times[name][-1][0]:.4f}\t{times[name][-1][1]:.4f}\t"
                                      f"{os.getloadavg()[0]:.2f}\n")
                    if cold:
                        shutil.rmtree(cold, ignore_errors=True)
            print(f"  {key}: " + ", ".join(f"{name} {statistics.median(w for w, _ in values):.3f}"
                                          for name, values in times.items()), file=sys.stderr, flush=True)
            rows.append((key, times))
    finally:
        shutil.rmtree(warm_cache, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"Load average {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} before, "
          f"{load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f} after; medians of interleaved rounds "
          "(runs per cell in the last column), wall seconds (CPU seconds):\n")
    print_table(dict(rows), args.digits)


def table(path, digits):
    """The table of every measure in `path` (lines: key, name, wall, CPU, load)."""
    rows = {}
    loads = []
    with open(path) as raw:
        for line in raw:
            key, name, wall, cpu, load = line.rstrip("\n").split("\t")
            rows.setdefault(key, {}).setdefault(name, []).append((float(wall), float(cpu)))
            loads.append(float(load))
    print(f"1-minute load average while measuring: {min(loads):.2f}–{max(loads):.2f} (median "
          f"{statistics.median(loads):.2f}); medians of interleaved rounds (runs per cell in the last column),"
          " wall seconds (CPU seconds):\n")
    print_table(rows, digits)


def print_table(rows, digits):
    """One Markdown row per workload of `rows` ({key: {cell name: [(wall, cpu)]}})."""
    names = ["stats before", "stats before cold", "stats cold", "stats warm", "flamegraph before",
             "flamegraph before cold", "flamegraph cold", "flamegraph warm", "heaptrack_print"]
    names = [n for n in names if any(n in times for times in rows.values())]
    print("| workload | " + " | ".join(names) + " | runs |")
    print("|---" * (len(names) + 2) + "|")
    for key, times in rows.items():
        cells = [f"{statistics.median(w for w, _ in times[n]):.{digits}f} "
                 f"({statistics.median(c for _, c in times[n]):.{digits}f})"
                 if n in times else "–" for n in names]
        runs = "/".join(sorted({str(len(v)) for v in times.values()}))
        print(f"| {key} | " + " | ".join(cells) + f" | {runs} |")

if __name__ == "__main__":
    main()
