"""What `workshop run` costs over the preloaded tracker alone, for two builds in the same loop:
every round runs the workload under `LD_PRELOAD` (the after build's tracker), then under each
build's `workshop run`, in alternating order; medians of CPU seconds (user + system of every
process, through wait4) and wall time. Quicker than compare.py (no heaptrack, no reports), for
iterating on the follower; compare.py's workloads and timing are reused.

With --own, every `workshop run` also runs under `perf record -F 999` (both builds alike), and the
medians of workshop's own CPU (the samples of its threads, not the program's) are printed too: with
threads, the program's own CPU moves by a third from run to run (how its threads interleave under
the tracker), which hides what the follower saves in the totals (session 10). The totals then
include perf's own start-up (about 0.2 s of CPU a run): compare them only with --own totals.

With --tail, each `workshop run`'s summary is kept and the medians of its tail are printed: how long
`workshop run` went on after its program ended (its wall time less the program's run as the summary
gives it, "in N ms", the capture's own clock: start-up before the tracker's first record counts as
tail too). On a machine with a core to spare, a single-threaded program's follower works beside it
and the tail is what is left; with threads the program fills both cores and the analysis, serial,
falls behind until the program ends.

With --roles, each workload is then run once more under `perf record -g` (the after build) and its
CPU samples are split by role: the program and its tracker, the follower's reader (decoding and
merging), its profiler (MemoryProfiler and the live block table), compression (repacking and zstd),
and the rest (start-up, the watcher, the summary, exit).

Usage (from the repository's root):
  python3 Benchmarks/run-overhead.py --before BIN --after BIN [--runs 5] [--roles] churn python ...
"""

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="a release bin folder (workshop)")
    parser.add_argument("--after", required=True, help="a release bin folder (workshop, libworkshop_tracker.so)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scratch", default="/tmp/workshop-run-overhead", help="programs and captures")
    parser.add_argument("--roles", action="store_true", help="split the after build's CPU by role (perf)")
    parser.add_argument("--own", action="store_true", help="also workshop's own CPU, from perf samples")
    parser.add_argument("--tail", action="store_true", help="also how long workshop run goes on after its program")
    parser.add_argument("keys", nargs="+", help="compare.py's workload keys")
    args = parser.parse_args()
    if args.tail and args.own:
        # Under perf the tail would count perf's own writing of its samples after the program.
        parser.error("--tail and --own measure different runs: give one of them")
    os.makedirs(args.scratch, exist_ok=True)
    built = os.path.join(args.scratch, "workloads.json")
    if not os.path.exists(built):
        workloads = compare.build_workloads(args.scratch)
        with open(built, "w") as file:
            json.dump([(w.key, w.command, w.env) for w in workloads], file)
    workloads = {key: (command, env) for key, command, env in json.load(open(built))}
    tracker = os.path.join(os.path.abspath(args.after), "libworkshop_tracker.so")
    builds = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    print(f"load average {compare.load_average()}", flush=True)
    for key in args.keys:
        command, extra = workloads[key]
        env = dict(os.environ, **extra)
        prefix = os.path.join(args.scratch, key)
        times = {"preload": [], "before": [], "after": []}
        own = {"before": [], "after": []}
        tails = {"before": [], "after": []}
        for round_index in range(args.runs):
            compare.remove(prefix + ".raw*")
            times["preload"].append(
                compare.measured(command, dict(env, LD_PRELOAD=tracker, WORKSHOP_CAPTURE=prefix + ".raw")))
            for name in (["before", "after"] if round_index % 2 == 0 else ["after", "before"]):
                compare.remove(f"{prefix}.{name}.bin*")
                capture = f"{prefix}.{name}.bin"
                run = [os.path.join(builds[name], "workshop"), "run", "-o", capture, "--", *command]
                if args.own:
                    data = f"{prefix}.{name}.own.perf"
                    run = ["perf", "record", "-q", "-F", str(OWN_SAMPLE_HZ), "-o", data, "--", *run]
                if args.tail:
                    measure, seconds = measured_with_run_seconds(run, env)
                    times[name].append(measure)
                    tails[name].append(measure.wall - seconds)
                else:
                    times[name].append(compare.measured(run, env))
                if args.own:
                    own[name].append(own_seconds(data, command[0]))
        cpu = {name: statistics.median(m.cpu for m in values) for name, values in times.items()}
        wall = {name: statistics.median(m.wall for m in values) for name, values in times.items()}
        print(f"{key}: LD_PRELOAD {cpu['preload']:.2f} s CPU, {wall['preload']:.2f} s wall"
              + "".join(f" | {name} {cpu[name]:.2f} s ({cpu[name] / cpu['preload']:.2f}×) CPU,"
                        f" {wall[name]:.2f} s ({wall[name] / wall['preload']:.2f}×) wall" for name in builds)
              + f" | load average {compare.load_average()}", flush=True)
        if args.own:
            print(f"{key}: workshop's own CPU (perf samples) "
                  + ", ".join(f"{name} {statistics.median(own[name]):.3f} s" for name in builds)
                  + f" ({statistics.median(own['after']) / statistics.median(own['before']):.2f}×)", flush=True)
        if args.tail:
            print(f"{key}: after the program ended "
                  + ", ".join(f"{name} {statistics.median(tails[name]):.3f} s of {wall[name]:.3f}"
                              for name in builds), flush=True)
        if args.roles:
            print(f"{key}: " + roles(builds["after"], command, env, prefix), flush=True)


# Frames (in a sample's call chain) that name each role of `workshop run`'s process; the first match wins.
ROLES = [
    ("reader", ["CaptureFollowerC7catchUp"]),
    ("compression", ["CaptureCompressor", "compressAppended", "finishCompression", "libzstd", "ColumnWriter",
                     "ChunkPacker", "CaptureRepacker"]),
]


OWN_SAMPLE_HZ = 999


def measured_with_run_seconds(command, env):
    """A `workshop run` measured as compare.measured measures it, and the program's run in seconds
    as its summary gives it ("allocations ... in N ms")."""
    with tempfile.NamedTemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        text = open(output.name, errors="replace").read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)[:200]} exited with {os.waitstatus_to_exitcode(status)}:\n{text[-2000:]}")
    found = re.search(r"allocations .* in ([\d,]+) ms", text)
    if not found:
        sys.exit(f"no run time in the summary of {' '.join(command)[:200]}:\n{text[-2000:]}")
    return compare.Measure(wall, usage.ru_utime + usage.ru_stime), int(found.group(1).replace(",", "")) / 1000


def own_seconds(data, program):
    """CPU seconds of a recorded `workshop run`'s own threads: its samples not of the program's
    command (perf names a sample by the thread's command, the program's after its exec)."""
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm"], capture_output=True, text=True,
                            check=True).stdout.split()
    name = os.path.basename(program)[:15]
    return sum(1 for comm in script if comm != name) / OWN_SAMPLE_HZ


def roles(bin_folder, command, env, prefix):
    """One `workshop run` under `perf record -g`: the share of CPU samples of each role."""
    capture, data = f"{prefix}.roles.bin", f"{prefix}.perf.data"
    compare.remove(capture + "*")
    subprocess.run(["perf", "record", "-q", "-F", "1999", "-g", "-o", data, "--",
                    os.path.join(bin_folder, "workshop"), "run", "-o", capture, "--", *command],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,ip,sym,dso"],
                            capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    for sample in script.split("\n\n"):
        if not sample.strip():
            continue
        if sample.split()[0] != "workshop":
            role = "program and tracker"
        else:
            role = next((name for name, frames in ROLES if any(frame in sample for frame in frames)), "the rest")
            if role == "reader" and ("14MemoryAnalysis0A8Profiler" in sample or "LiveBlockTable" in sample):
                role = "profiler"
        counts[role] += 1
    total = sum(counts.values()) or 1
    names = ["program and tracker", "reader", "profiler", "compression", "the rest"]
    return ", ".join(f"{name} {100 * counts[name] / total:.0f} %" for name in names) + f" of {total} samples"


if __name__ == "__main__":
    main()
