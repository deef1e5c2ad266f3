"""What issue 13's `workshop run` goal (at most 1.15x the CPU of the preloaded tracker alone) leaves
the follower, against the least that its two jobs cost on the same capture.

For every workload: the preloaded tracker's run (CPU, its plain capture), `workshop run`'s and
`workshop run --no-compress`'s, in the same rounds and taking turns at going first; heaptrack's
capture size (one run). Then, on the last round's plain capture, the cheapest general compressors
there are: `zstd --fast=3`, `zstd -1` and `lz4 -1` (each single-threaded, CPU and size). A row reads:

  budget    = 0.15 x the preloaded run's CPU: all the follower may spend; also per event (ALLOCs
              and FREEs, as `workshop stats --json` counts them);
  follower  = `workshop run`'s CPU less the preloaded run's: what it spends now (reading, the
              summary's analysis, repacking, zstd);
  analysis  = the same for `workshop run --no-compress`: reading and the summary's analysis alone;
  and the plain compressors: what compressing the bytes costs with no records read at all, and
  whether that leaves a capture smaller than heaptrack's (the issue's other goal: smaller on every
  workload, half on the churn).

The compressors bound only a follower that compresses bytes without reading records; our packer
reads them and leaves far smaller captures, at more CPU (the follower's column less the analysis').

Usage (from the repository's root, a release build):
  python3 Benchmarks/run-budget.py --bin .build/x86_64-unknown-linux-gnu/release [--runs 3] churn threads8 ...
"""

import argparse
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

BUDGET = 0.15
COMPRESSORS = [
    ("zstd --fast=3", ["zstd", "-q", "-T1", "--fast=3", "-c"]),
    ("zstd -1", ["zstd", "-q", "-T1", "-1", "-c"]),
    ("lz4 -1", ["lz4", "-q", "-1", "-c"]),
]


def compressed(command, plain, output):
    """CPU seconds and MB of one compressor over the plain capture."""
    with open(plain, "rb") as source, open(output, "wb") as sink:
        start = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, stdin=source, stdout=sink, check=True)
        end = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    return cpu, compare.size_mb(output)


def events(workshop, capture):
    """ALLOCs and FREEs of a capture, as `workshop stats --json` counts them."""
    stats = subprocess.run([workshop, "stats", "--json", capture], capture_output=True, text=True, check=True)
    totals = json.loads(stats.stdout)
    return totals["total_allocations"] + totals["total_frees"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="a release bin folder (workshop, libworkshop_tracker.so)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scratch", default="/tmp/workshop-run-budget", help="programs and captures")
    parser.add_argument("keys", nargs="+", help="compare.py's workload keys")
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    built = os.path.join(args.scratch, "workloads.json")
    if not os.path.exists(built):
        workloads = compare.build_workloads(args.scratch)
        with open(built, "w") as file:
            json.dump([(w.key, w.title, w.command, w.env) for w in workloads], file)
    workloads = {key: (title, command, env) for key, title, command, env in json.load(open(built))}
    tools = [name for name, command in COMPRESSORS if shutil.which(command[0])]
    workshop = os.path.join(os.path.abspath(args.bin), "workshop")
    tracker = os.path.join(os.path.abspath(args.bin), "libworkshop_tracker.so")
    print(f"{compare.machine()}; load average {compare.load_average()}; medians of {args.runs} rounds\n")
    print("| workload | preloaded CPU | events | budget (15 %) | per event | follower now | analysis alone | plain MB"
          " | heaptrack MB | `workshop run` MB | " + " | ".join(f"`{name}`: CPU, MB" for name in tools) + " |")
    print("|---" * (10 + len(tools)) + "|")
    for key in args.keys:
        title, command, extra = workloads[key]
        env = dict(os.environ, **extra)
        prefix = os.path.join(args.scratch, key)
        cpu = {"preload": [], "run": [], "plain run": []}
        for round_index in range(args.runs):
            for step in list(cpu)[:: -1 if round_index % 2 else 1]:
                if step == "preload":
                    compare.remove(prefix + ".raw*")
                    cpu[step].append(compare.measured(command, dict(env, LD_PRELOAD=tracker,
                                                                    WORKSHOP_CAPTURE=prefix + ".raw")).cpu)
                else:
                    options = ["--no-compress"] if step == "plain run" else []
                    capture = f"{prefix}.{step.replace(' ', '-')}.bin"
                    compare.remove(capture + "*")
                    cpu[step].append(
                        compare.measured([workshop, "run", *options, "-o", capture, "--", *command], env).cpu)
        count = events(workshop, prefix + ".run.bin")
        compare.remove(prefix + ".heaptrack*")
        compare.measured(["heaptrack", "-o", prefix + ".heaptrack", *command], env)
        heaptrack = compare.size_mb(sorted(glob.glob(prefix + ".heaptrack*"))[0])
        plain = prefix + ".raw"
        cells = []
        for name, compressor in COMPRESSORS:
            if name not in tools:
                continue
            figures = [compressed(compressor, plain, prefix + ".squeezed") for _ in range(args.runs)]
            seconds = statistics.median(f[0] for f in figures)
            cells.append(f"{seconds:.3f} s, {figures[0][1]:.2f}")
        preloaded = statistics.median(cpu["preload"])
        follower = statistics.median(cpu["run"]) - preloaded
        analysis = statistics.median(cpu["plain run"]) - preloaded
        budget = BUDGET * preloaded
        print(f"| {title} | {preloaded:.2f} s | {count / 1e6:.2f} M | {budget:.3f} s | {budget / count * 1e9:.1f} ns | "
              f"{follower:.2f} s | {analysis:.2f} s | {compare.size_mb(plain):.2f} | {heaptrack:.2f} | "
              f"{compare.size_mb(prefix + '.run.bin'):.2f} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nload average after {compare.load_average()}")


if __name__ == "__main__":
    main()
