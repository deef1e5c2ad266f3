"""Issue 13's comparison: every workload of its table run interleaved untracked, under the tracker
preloaded by hand, under `workshop run`, under heaptrack and (where it takes under a minute) under
valgrind's massif; then the capture sizes and the report times, `workshop stats` and `workshop
flamegraph` against `heaptrack_print`. Writes a labelled Markdown section at the end of
Benchmarks/RESULTS.md (or prints it with --print-only).

Usage (from the repository's root; compare.sh builds the release first):
  python3 Benchmarks/compare.py --bin BIN [--runs 5] [--label before] [--only churn,tree20]
      [--baseline-bin OTHER_BIN --baseline-label before]   # another build's workshop, same loop
      [--massif-runs 1] [--no-massif] [--print-only]

Each round runs every tool once on a workload before the next round starts, so a change in the
machine's load lands on all of them alike (a build and its baseline take turns at going first); ratios are taken to the untracked run of the same round,
and the tables give medians over the rounds. Wall time is what a user waits; CPU time (user +
system, the program's and every process it waited for, through wait4) is steadier on a loaded
machine and is what the `workshop run` / `LD_PRELOAD` goal is judged on.
"""

import argparse
import glob
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C_FLAGS = ["-O2", "-g", "-fno-omit-frame-pointer", "-fno-builtin", "-pthread"]
SQLITE_SCRIPT = (
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value INTEGER);"
    " CREATE INDEX t_name ON t(name);"
    " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)"
    " INSERT INTO t SELECT i, 'name-' || (i * 7919 % 200000), i * 31 FROM n;"
    " SELECT count(*), sum(value) FROM t WHERE name > 'name-5';"
)
# Seconds past which a report is timed in the first round only.
SLOW_REPORT = 30
# One line: heaptrack records the command line and cannot read a newline in it back.
PYTHON_SCRIPT = "d = {i: str(i) for i in range(300000)}; print(len(d))"


@dataclass
class Workload:
    key: str
    title: str
    command: list
    env: dict = field(default_factory=dict)


@dataclass
class Measure:
    wall: float
    cpu: float


def build_workloads(scratch):
    """Compiles the C and Swift workloads into `scratch`; returns them in the issue's order."""
    programs = {}
    for name, source in [
        ("random_churn", "Benchmarks/workloads/random_churn.c"),
        ("alloc_churn", "Benchmarks/alloc_churn.c"),
        ("threads", "Benchmarks/workloads/threads.c"),
        ("tree_recursive", "Benchmarks/workloads/tree_recursive.c"),
        ("tree_build", "Benchmarks/tree_build.c"),
    ]:
        programs[name] = os.path.join(scratch, name)
        subprocess.run(["cc", *C_FLAGS, os.path.join(ROOT, source), "-o", programs[name]], check=True)
    # Exercise 5 as shipped (the learner's starting file), built as the course builds it but -O.
    swift_program = os.path.join(scratch, "exercise_5")
    exercise = os.path.join(ROOT, "Exercises")
    subprocess.run(
        ["swiftc", "-O", "-g", "-module-name", "exercise_5", "-o", swift_program,
         f"{exercise}/Support/CheckSupport.swift", f"{exercise}/exercise_5/Report.swift",
         f"{exercise}/exercise_5/Check/main.swift"],
        check=True, stdout=subprocess.DEVNULL)
    python = shutil.which("python3.11", path="/usr/bin") or "/usr/bin/python3"
    return [
        Workload("churn", "random churn: 5 M pairs, sizes 16–4111 B, depths 4/7/10", [programs["random_churn"]]),
        Workload("alloc_churn", "`Benchmarks/alloc_churn.c`", [programs["alloc_churn"]]),
        Workload("threads1", "1 thread, 1 M pairs", [programs["threads"], "1"]),
        Workload("threads2", "2 threads, 1 M pairs each", [programs["threads"], "2"]),
        Workload("threads4", "4 threads, 1 M pairs each", [programs["threads"], "4"]),
        Workload("threads8", "8 threads, 1 M pairs each", [programs["threads"], "8"]),
        Workload("tree20", "binary tree of depth 20, built recursively", [programs["tree_recursive"], "20"]),
        Workload("trees4", "4 threads, each a binary tree of depth 17, built recursively",
                 [programs["tree_recursive"], "17", "4"]),
        Workload("tree_build", "`Benchmarks/tree_build.c`", [programs["tree_build"]]),
        Workload("sqlite", "sqlite3, 200 k rows with an index", ["sqlite3", ":memory:", SQLITE_SCRIPT]),
        Workload("python", "python3.11 (`PYTHONMALLOC=malloc`), 300 k-entry dict", [python, "-c", PYTHON_SCRIPT],
                 {"PYTHONMALLOC": "malloc"}),
        Workload("swift", "a Swift program (exercise 5's workload, `-O`)", [swift_program]),
    ]


def measured(command, env=None, timeout=None):
    """Runs `command` with its output discarded; returns its wall and CPU time (None on a timeout).
    A non-zero exit stops the benchmark: a figure of a failed run means nothing."""
    errors_file = tempfile.TemporaryFile()
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors_file,
                               start_new_session=True)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if deadline and time.perf_counter() > deadline:
            os.killpg(process.pid, 9)
            os.wait4(process.pid, 0)
            return None
        time.sleep(0.002)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        errors_file.seek(0)
        errors = errors_file.read().decode(errors="replace")
        sys.exit(f"{' '.join(command)[:200]} exited with {process.returncode}:\n{errors[-2000:]}")
    return Measure(wall, usage.ru_utime + usage.ru_stime)


def remove(pattern):
    for path in glob.glob(pattern):
        os.remove(path)


def size_mb(path):
    return os.path.getsize(path) / 1e6


def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def seconds(value):
    return "–" if value is None else f"{value:.2f} s"


def ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def load_average():
    return " / ".join(open("/proc/loadavg").read().split()[:3])


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {model}, {memory / 2**20:.0f} GiB, Linux {platform.release()}"


def compare(workload, args, scratch, tools):
    """Runs one workload's rounds; returns a dictionary of figures for its table rows."""
    env = dict(os.environ, **workload.env)
    times = {name: [] for name in ["untracked", *tools, "massif"]}
    if args.baseline_tracker:
        times["baseline preload"] = []
    ratios = {name: [] for name in times}
    massif_ok = not args.no_massif
    prefix = os.path.join(scratch, workload.key)
    for round_index in range(args.runs):
        round_times = {"untracked": measured(workload.command, env)}
        # A build and its baseline take turns at going first (odd rounds: the baseline), so that
        # neither always runs right after the other's capture was written.
        preloads = [("preload", args.tracker, f"{prefix}.raw")]
        if args.baseline_tracker:
            preloads.append(("baseline preload", args.baseline_tracker, f"{prefix}.baseline.raw"))
        for name, tracker, capture in preloads[:: -1 if round_index % 2 else 1]:
            remove(f"{capture}*")
            round_times[name] = measured(workload.command, dict(env, LD_PRELOAD=tracker, WORKSHOP_CAPTURE=capture))
        runs = [(name, workshop) for name, workshop in tools.items() if name not in ("preload", "heaptrack")]
        runs = runs[:: -1 if round_index % 2 else 1] + [(name, tools[name]) for name in tools if name == "heaptrack"]
        for name, workshop in runs:
            if name == "heaptrack":
                remove(f"{prefix}.heaptrack*")
                round_times[name] = measured(["heaptrack", "-o", f"{prefix}.heaptrack", *workload.command], env)
            else:
                remove(f"{prefix}.{name}.bin*")
                round_times[name] = measured([workshop, "run", "-o", f"{prefix}.{name}.bin", "--", *workload.command], env)
        if massif_ok and round_index < args.massif_runs:
            result = measured(["valgrind", "--tool=massif", f"--massif-out-file={prefix}.massif", *workload.command],
                              env, timeout=60)
            if result is None:
                massif_ok = False  # over a minute: not run again, shown as "> 60 s"
            round_times["massif"] = result
        for name, value in round_times.items():
            times[name].append(value)
            if value is not None:
                ratios[name].append(value.wall / round_times["untracked"].wall)
        print(f"  {workload.key} round {round_index + 1}: "
              + ", ".join(f"{name} {value.wall:.2f}/{value.cpu:.2f}" for name, value in round_times.items() if value),
              file=sys.stderr, flush=True)
    figures = {
        "wall": {name: median([m.wall for m in values if m]) for name, values in times.items()},
        "cpu": {name: median([m.cpu for m in values if m]) for name, values in times.items()},
        "ratio": {name: median(values) for name, values in ratios.items()},
        "massif_timed_out": not args.no_massif and not massif_ok,
    }
    heaptrack_capture = glob.glob(f"{prefix}.heaptrack*")[0]
    figures["size"] = {name: size_mb(f"{prefix}.{name}.bin") for name in tools if name not in ("preload", "heaptrack")}
    figures["size"]["heaptrack"] = size_mb(heaptrack_capture)
    figures["size"]["plain"] = size_mb(f"{prefix}.raw")
    # The reports, interleaved too: each tool's run on this workload's capture, N rounds.
    commands = {}
    for name, workshop in tools.items():
        if name not in ("preload", "heaptrack"):
            capture = f"{prefix}.{name}.bin"
            commands[f"{name} stats"] = [workshop, "stats", capture]
            commands[f"{name} flamegraph"] = [workshop, "flamegraph", capture, "--width", "120"]
    commands["heaptrack_print"] = ["heaptrack_print", heaptrack_capture]
    reports = {name: [] for name in commands}
    for round_index in range(args.runs):
        for name, command in commands.items():
            if round_index > 0 and reports[name][0].wall > SLOW_REPORT:
                continue
            reports[name].append(measured(command))
    figures["reports"] = {name: median([m.wall for m in values]) for name, values in reports.items()}
    figures["reports_cpu"] = {name: median([m.cpu for m in values]) for name, values in reports.items()}
    return figures


def section(args, workloads, results, tools, load_before, load_after, elapsed):
    runs = [name for name in tools if name not in ("preload", "heaptrack")]
    # The baseline's own preloaded tracker, timed in the same rounds, when there is a baseline.
    preloads = ["preload"] + (["baseline preload"] if args.baseline_tracker else [])
    def own_preload(name):  # each build's `workshop run` is set against its own preloaded tracker
        return "baseline preload" if name == "baseline" and args.baseline_tracker else "preload"
    preload_label = {"preload": "`LD_PRELOAD` tracker", "baseline preload": f"`LD_PRELOAD` ({args.baseline_label})"}
    label = {"workshop": "`workshop run`"}
    label.update({name: f"`workshop run` ({args.baseline_label})" for name in runs if name != "workshop"})
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Issue 13 comparison: {args.label} ({now})",
        "",
        f"`python3 Benchmarks/compare.py --runs {args.runs}` (`Benchmarks/compare.sh`), release build; {machine()};"
        f" load average {load_before} before, {load_after} after; {elapsed / 60:.0f} min. Medians of {args.runs}"
        " interleaved rounds; ratios are to the untracked run of the same round (wall time)."
        + (f" massif: {args.massif_runs} run(s), skipped once a run passed 60 s." if not args.no_massif else ""),
        "",
        "Run time, as a ratio to the untracked run (its own wall time in the second column):",
        "",
        "| workload | untracked | " + " | ".join(preload_label[name] for name in preloads) + " | "
        + " | ".join(label[name] for name in runs) + " | heaptrack | massif |",
        "|---|---|" + "---|" * len(preloads) + "---|" * len(runs) + "---|---|",
    ]
    for workload in workloads:
        figures = results[workload.key]
        massif = "> 60 s" if figures["massif_timed_out"] else ratio(figures["ratio"]["massif"])
        lines.append(
            f"| {workload.title} | {seconds(figures['wall']['untracked'])} | "
            + " | ".join(ratio(figures["ratio"][name]) for name in preloads) + " | "
            + " | ".join(ratio(figures["ratio"][name]) for name in runs)
            + f" | {ratio(figures['ratio']['heaptrack'])} | {massif} |")
    lines += [
        "",
        "CPU seconds (user + system, every process of the run) and what `workshop run` adds to the"
        " preloaded tracker (goal: ≤ 1.15×):",
        "",
        "| workload | untracked | " + " | ".join(preload_label[name] for name in preloads) + " | "
        + " | ".join(label[name] for name in runs)
        + " | heaptrack | "
        + " | ".join(f"{label[name]} / {preload_label[own_preload(name)]}" for name in runs) + " |",
        "|---|---|" + "---|" * len(preloads) + "---|" * len(runs) + "---|" + "---|" * len(runs),
    ]
    for workload in workloads:
        cpu = results[workload.key]["cpu"]
        lines.append(
            f"| {workload.title} | {seconds(cpu['untracked'])} | "
            + " | ".join(seconds(cpu[name]) for name in preloads) + " | "
            + " | ".join(seconds(cpu[name]) for name in runs) + f" | {seconds(cpu['heaptrack'])} | "
            + " | ".join(ratio(cpu[name] / cpu[own_preload(name)]) for name in runs) + " |")
    lines += [
        "",
        "Captures (MB; the tracker's plain file as written, then as `workshop run` leaves it) and report times"
        " (medians, wall and in brackets CPU seconds; `stats` and `flamegraph --width 120` on workshop's capture,"
        f" `heaptrack_print` on heaptrack's; one taking over {SLOW_REPORT} s was timed once):",
        "",
        "| workload | plain | " + " | ".join(f"{label[name]}" for name in runs) + " | heaptrack | "
        + " | ".join(f"stats{'' if name == 'workshop' else f' ({args.baseline_label})'}" for name in runs) + " | "
        + " | ".join(f"flamegraph{'' if name == 'workshop' else f' ({args.baseline_label})'}" for name in runs)
        + " | `heaptrack_print` |",
        "|---|---|" + "---|" * len(runs) + "---|" + "---|" * (2 * len(runs)) + "---|",
    ]
    for workload in workloads:
        figures = results[workload.key]
        size = figures["size"]
        def report(name):
            wall, cpu = figures["reports"][name], figures["reports_cpu"][name]
            return f"{seconds(wall)} ({cpu:.2f})"
        lines.append(
            f"| {workload.title} | {size['plain']:.2f} | " + " | ".join(f"{size[name]:.2f}" for name in runs)
            + f" | {size['heaptrack']:.2f} | " + " | ".join(report(f"{name} stats") for name in runs) + " | "
            + " | ".join(report(f"{name} flamegraph") for name in runs)
            + f" | {report('heaptrack_print')} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the release bin folder: workshop and libworkshop_tracker.so")
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds per workload (default 5)")
    parser.add_argument("--label", default="current", help="names the section, e.g. before or after")
    parser.add_argument("--only", help="comma-separated workload keys (churn, alloc_churn, threads1, threads2,"
                        " threads4, threads8, tree20, trees4, tree_build, sqlite, python, swift)")
    parser.add_argument("--baseline-bin", help="another build's bin folder: its preloaded tracker, `workshop run`"
                        " and reports are timed in the same rounds")
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--massif-runs", type=int, default=1, help="rounds that also run massif (default 1)")
    parser.add_argument("--no-massif", action="store_true")
    parser.add_argument("--print-only", action="store_true", help="print the section instead of appending it")
    parser.add_argument("--scratch", help="a folder for programs and captures (default: a new temporary one)")
    args = parser.parse_args()
    args.tracker = os.path.join(os.path.abspath(args.bin), "libworkshop_tracker.so")
    tools = {"preload": None, "workshop": os.path.join(os.path.abspath(args.bin), "workshop")}
    args.baseline_tracker = None
    if args.baseline_bin:
        tools["baseline"] = os.path.join(os.path.abspath(args.baseline_bin), "workshop")
        args.baseline_tracker = os.path.join(os.path.abspath(args.baseline_bin), "libworkshop_tracker.so")
    tools["heaptrack"] = None
    scratch = args.scratch or tempfile.mkdtemp(prefix="workshop-compare-")
    os.makedirs(scratch, exist_ok=True)
    try:
        workloads = build_workloads(scratch)
        if args.only:
            keys = args.only.split(",")
            unknown = set(keys) - {workload.key for workload in workloads}
            if unknown:
                sys.exit(f"--only names no workload {', '.join(sorted(unknown))}; the workloads are "
                         + ", ".join(workload.key for workload in workloads))
            workloads = [workload for workload in workloads if workload.key in keys]
        load_before = load_average()
        started = time.perf_counter()
        results = {}
        for workload in workloads:
            print(f"{workload.key}: {workload.title}", file=sys.stderr, flush=True)
            results[workload.key] = compare(workload, args, scratch, tools)
        text = section(args, workloads, results, tools, load_before, load_average(), time.perf_counter() - started)
    finally:
        if not args.scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    if args.print_only:
        print(text)
    else:
        with open(os.path.join(ROOT, "Benchmarks", "RESULTS.md"), "a") as results_file:
            results_file.write("\n" + text)
        print(text)


if __name__ == "__main__":
    main()
