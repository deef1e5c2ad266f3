"""Runs the tracker benchmark side by side and prints a Markdown section (see tracker.sh)."""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import time
from datetime import date

# The designed truth of Benchmarks/alloc_churn.c (its header comment).
ROUNDS = 4_000_000
TRUTH = {"allocations": ROUNDS + 1010, "frees": ROUNDS + 1000, "peak": 1_000_000, "leaked": 7770, "leaks": 10}


def timed(command, env=None, cwd=None):
    """Wall time of one run of `command`, its output discarded; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median(values):
    return statistics.median(values)


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return f"{os.cpu_count()} cores, {model}, Linux {platform.release()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threaded-program")
    parser.add_argument("--baseline-bin", help="another build's bin folder: its `workshop run` is timed alongside")
    parser.add_argument("--baseline-label", default="baseline")
    args = parser.parse_args()
    workshop = os.path.join(args.bin, "workshop")
    tracker = os.path.join(args.bin, "libworkshop_tracker.so")
    scratch = args.scratch
    times = {name: [] for name in ["untracked", "preload", "workshop run", "baseline run", "heaptrack"]}

    for run in range(args.runs):
        times["untracked"].append(timed([args.program]))
        raw = f"{scratch}/raw{run}.bin"
        env = dict(os.environ, LD_PRELOAD=tracker, WORKSHOP_CAPTURE=raw)
        times["preload"].append(timed([args.program], env=env))
        times["workshop run"].append(timed([workshop, "run", "-o", f"{scratch}/run{run}.bin", "--", args.program]))
        if args.baseline_bin:
            baseline = os.path.join(args.baseline_bin, "workshop")
            output = f"{scratch}/baseline{run}.bin"
            times["baseline run"].append(timed([baseline, "run", "-o", output, "--", args.program]))
            os.remove(output)
        times["heaptrack"].append(timed(["heaptrack", "-o", f"{scratch}/heaptrack{run}", args.program]))
        for leftover in [raw]:
            if run > 0:
                os.remove(leftover)
    massif_out = f"{scratch}/massif.out"
    times["massif"] = [timed(["valgrind", "--tool=massif", f"--massif-out-file={massif_out}", args.program])]

    base = median(times["untracked"])
    capture = f"{scratch}/run0.bin"
    stats = json.loads(subprocess.run([workshop, "stats", "--json", capture], check=True, capture_output=True, text=True).stdout)
    heaptrack_capture = next(f"{scratch}/{name}" for name in os.listdir(scratch) if name.startswith("heaptrack0"))
    heaptrack_text = subprocess.run(["heaptrack_print", heaptrack_capture], capture_output=True, text=True).stdout
    heaptrack_peak = re.search(r"peak heap memory consumption: (\S+)", heaptrack_text)
    heaptrack_leak = re.search(r"total memory leaked: (\S+)", heaptrack_text)
    heaptrack_calls = re.search(r"total heap allocations: (\S+)|calls to allocation functions: (\S+)", heaptrack_text)
    massif_peak = max(int(value) for value in re.findall(r"mem_heap_B=(\d+)", open(massif_out).read()))

    stats_times = [timed([workshop, "stats", capture]) for _ in range(3)]
    stats_json_times = [timed([workshop, "stats", "--json", capture]) for _ in range(3)]
    print_times = [timed(["heaptrack_print", heaptrack_capture]) for _ in range(3)]
    sizes = {
        "workshop (zstd, as `workshop run` leaves it)": os.path.getsize(capture),
        "workshop (plain, `--no-compress`)": os.path.getsize(f"{scratch}/raw0.bin"),
        "heaptrack (zstd)": os.path.getsize(heaptrack_capture),
    }

    print(f"## Tracker: `Benchmarks/tracker.sh {args.runs}` — {date.today().isoformat()}")
    print()
    print(f"Machine: {machine()}. Program: `Benchmarks/alloc_churn.c` built with `-O2` ({ROUNDS:,} malloc/free")
    print("pairs of 16–4111 bytes at call depths 4–10, then a 1,000,000-byte peak, then 10 leaks of 777")
    print(f"bytes). Medians of {args.runs} interleaved runs (massif: one run).")
    print()
    print("| run | median wall time | × untracked |")
    print("|---|---|---|")
    labels = {
        "untracked": "untracked",
        "preload": "tracked: `LD_PRELOAD` + `WORKSHOP_CAPTURE` (the program's own run)",
        "workshop run": "tracked: `workshop run` (also compresses and prints the summary)",
        "baseline run": f"tracked: `workshop run` of the {args.baseline_label} build",
        "heaptrack": "`heaptrack` 1.4",
        "massif": "`valgrind --tool=massif`",
    }
    for name, label in labels.items():
        if not times[name]:
            continue
        value = median(times[name])
        print(f"| {label} | {value:.3f} s | {value / base:.1f}× |")
    print()
    print("| figure | designed truth | workshop | heaptrack_print | massif |")
    print("|---|---|---|---|---|")
    print(f"| peak heap | {TRUTH['peak']:,} B | {stats['peak_bytes']:,} B | {heaptrack_peak.group(1) if heaptrack_peak else '?'} | {massif_peak:,} B |")
    print(f"| leaked | {TRUTH['leaked']:,} B in {TRUTH['leaks']} | {stats['leaked_bytes']:,} B in {stats['leaked_allocations']} | {heaptrack_leak.group(1) if heaptrack_leak else '?'} | – |")
    calls = next((group for group in (heaptrack_calls.groups() if heaptrack_calls else []) if group), "?")
    print(f"| allocations | {TRUTH['allocations']:,} | {stats['total_allocations']:,} | {calls} | – |")
    print(f"| frees | {TRUTH['frees']:,} | {stats['total_frees']:,} | – | – |")
    print()
    print("| capture | size |")
    print("|---|---|")
    for name, size in sizes.items():
        print(f"| {name} | {size / 1e6:.2f} MB |")
    print()
    print("| report on that capture | median of 3 |")
    print("|---|---|")
    print(f"| `workshop stats` (text, symbolized top stacks) | {median(stats_times):.3f} s |")
    print(f"| `workshop stats --json` | {median(stats_json_times):.3f} s |")
    print(f"| `heaptrack_print` | {median(print_times):.3f} s |")
    if args.threaded_program:
        print()
        print("Threads contending for the tracker's one ordered stream (`Benchmarks/alloc_churn_threads.c`,")
        print(f"1,000,000 malloc/free pairs per thread; medians of {args.runs}):")
        print()
        print("| threads | untracked | tracked | × untracked |")
        print("|---|---|---|---|")
        for threads in [1, 2, 4, 8]:
            plain = median([timed([args.threaded_program, str(threads)]) for _ in range(args.runs)])
            tracked = []
            for run in range(args.runs):
                env = dict(os.environ, LD_PRELOAD=tracker, WORKSHOP_CAPTURE=f"{scratch}/threads{threads}-{run}.bin")
                tracked.append(timed([args.threaded_program, str(threads)], env=env))
                os.remove(f"{scratch}/threads{threads}-{run}.bin")
            value = median(tracked)
            print(f"| {threads} | {plain:.3f} s | {value:.3f} s | {value / plain:.1f}× |")


if __name__ == "__main__":
    main()
