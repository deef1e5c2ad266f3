"""`workshop run --live` against `workshop run` on the tracker benchmark (see live-overhead.sh).

Both run in a tmux pane of the benchmark's own (the live screen needs a terminal; the plain run gets
one too, so that the two differ only by --live), interleaved, the order swapped every round. Two
figures a run: the program's own run time on the tracker's clock (the capture's duration: what the
screen's thread costs the program on a shared machine), and the wall time to the result (the plain
run: until it exits; the live run: until the explorer of the finished capture is on the screen,
seen by polling the pane every 10 ms, so up to about 15 ms late).
"""
import argparse
import json
import os
import statistics
import subprocess
import time
import uuid
from datetime import date

from tracker_benchmark import machine


class Tmux:
    def __init__(self):
        self.socket = f"workshop-live-bench-{uuid.uuid4().hex[:8]}"

    def __call__(self, *arguments):
        return subprocess.run(["tmux", "-L", self.socket, *arguments], check=True, capture_output=True, text=True).stdout

    def start(self, name, script):
        self("new-session", "-d", "-s", name, "-x", "120", "-y", "40", script)

    def screen(self, name):
        return self("capture-pane", "-p", "-t", name)

    def kill(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def wait_for(predicate, seconds=120, interval=0.01):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return time.time_ns()
        time.sleep(interval)
    raise SystemExit("timed out")


def duration_ms(workshop, capture):
    stats = json.loads(subprocess.run([workshop, "stats", "--json", capture], check=True, capture_output=True, text=True).stdout)
    return stats["duration_ms"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--scratch", required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workshop = os.path.join(args.bin, "workshop")
    scratch = args.scratch
    environment = "env -u NO_COLOR LC_ALL=C.UTF-8 TERM=tmux-256color"
    tmux = Tmux()
    results = {"run": {"program": [], "wall": []}, "run --live": {"program": [], "wall": []}}
    loads = []
    try:
        for round in range(args.runs):
            order = ["run", "run --live"] if round % 2 == 0 else ["run --live", "run"]
            for kind in order:
                name = f"{kind.replace(' ', '').replace('-', '')}{round}"
                capture = f"{scratch}/{name}.bin"
                stamps = f"{scratch}/{name}.stamps"
                live = " --live" if kind == "run --live" else ""
                script = (
                    f"echo $(date +%s%N) > {stamps}; {environment} {workshop} run{live} -o {capture} -- {args.program}; "
                    f"echo $(date +%s%N) >> {stamps}; echo BENCH-DONE; sleep 60"
                )
                loads.append(os.getloadavg()[0])
                tmux.start(name, script)
                if live:
                    end = wait_for(lambda: "q leaves" in tmux.screen(name))
                    tmux("send-keys", "-t", name, "q")
                    wait_for(lambda: "BENCH-DONE" in tmux.screen(name))
                    start = int(open(stamps).read().split()[0])
                else:
                    wait_for(lambda: "BENCH-DONE" in tmux.screen(name))
                    start, end = map(int, open(stamps).read().split()[:2])
                tmux("kill-session", "-t", name)
                results[kind]["wall"].append((end - start) / 1e9)
                results[kind]["program"].append(duration_ms(workshop, capture) / 1000)
                for leftover in [capture, stamps, f"{scratch}/{name}.output.txt"]:
                    if os.path.exists(leftover):
                        os.remove(leftover)
    finally:
        tmux.kill()

    def row(kind, key):
        values = results[kind][key]
        return statistics.median(values), values

    print(f"## `workshop run --live` against `workshop run` — {date.today().isoformat()}\n")
    print(
        f"`Benchmarks/live-overhead.sh {args.runs}` (release build; {machine()}), `alloc_churn.c` (4,000,010 "
        f"allocations), both in a tmux pane, interleaved, the order swapped each round; load average "
        f"{min(loads):.1f}–{max(loads):.1f} over the runs. Medians of {args.runs}:\n"
    )
    print("| | program's run time (capture) | wall time to the result |")
    print("|---|---|---|")
    for kind in ["run", "run --live"]:
        program, _ = row(kind, "program")
        wall, _ = row(kind, "wall")
        print(f"| `workshop {kind}` | {program:.3f} s | {wall:.3f} s |")
    program_ratio = row("run --live", "program")[0] / row("run", "program")[0] - 1
    wall_ratio = row("run --live", "wall")[0] / row("run", "wall")[0] - 1
    print(
        f"\n`--live` against the plain run: program {program_ratio * 100:+.1f} %, wall time to the result "
        f"{wall_ratio * 100:+.1f} % (target: within 10 %).\n"
    )
    for kind in ["run", "run --live"]:
        print(f"- `{kind}` every run, program / wall (s): " + ", ".join(
            f"{p:.3f}/{w:.3f}" for p, w in zip(results[kind]["program"], results[kind]["wall"])))


if __name__ == "__main__":
    main()
