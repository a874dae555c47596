"""The harness against what a user would write by hand, and the whole matrix, in one invocation.

    .venv/bin/python bench/benchmark.py [--quick] [--output DIR] [--skip-matrix]

(a) A fixed set of cells through the harness (Harness.run_cell, in this process) and (b) the same
checks written by hand (bench/handwritten/, plain pytest + Playwright, in a pytest child), on the
same engines. Each cell runs REPS+1 times on both sides; the first round warms up (browser
launches) and is dropped; the median of the rest is the cell's time. Printed: per-cell times and
the ratio harness / handwritten (target ≤ 0.8). The harness runs each cell twice per round, in
turn: like the hand-written tests, with no screenshot of a passing cell (--screenshots failure),
and with one screenshot per cell (--screenshots end), what its evidence costs.
Then the default matrix (`spelo-harness run`) with 1, 2 and 4 workers: wall time, browser
launches (results.json meta), peak memory of the run's process tree (RSS and PSS summed over
every process carrying the run's mark, sampled from /proc), and each wall time as a ratio of the
1-worker run. Ratios, not absolute times, are the result: both sides of each ratio run here, now,
on the same machine.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import sandbox  # noqa: E402  (sealed before anything starts a thread)

CELLS = ["blocked-prompt", "blocked-before", "insecure-origin", "notice-cancel", "no-device"]
ENGINES = ["chromium", "firefox"]
TARGET = 0.8
MARK = "SPELO_BENCH_MARK"


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):  # bad input: one line, exit 2
        print(f"benchmark: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="1 measured round (5 otherwise), matrix scaling on Chromium only")
    p.add_argument("--output", type=Path, help="where runs write their artifacts (default: a temporary folder)")
    p.add_argument("--skip-matrix", action="store_true", help="only the cells, not the matrix runs")
    args = p.parse_args(argv)
    status = sandbox.seal()
    if status != sandbox.SEALED:
        print(f"benchmark: {status}; refusing to run unsealed", file=sys.stderr)
        return 2
    out = args.output or Path(tempfile.mkdtemp(prefix="spelo-bench-"))
    reps = 1 if args.quick else 5
    print(f"benchmark: {len(CELLS)} cells × {', '.join(ENGINES)}, {reps} measured round(s) each; output {out}")

    harness_t, harness_wall = run_harness_cells(out / "harness", reps)
    hand_t, hand_wall = run_handwritten(out / "handwritten", reps)
    print_cells(harness_t, hand_t, harness_wall, hand_wall)
    if not args.skip_matrix:
        extra = ["--browser", "chromium"] if args.quick else []
        matrix = {w: run_matrix(out / f"matrix-{w}", w, extra) for w in (1, 2, 4)}
        print_matrix(matrix, "chromium only (--quick)" if args.quick else "default matrix")
    return 0


# -- (a) the harness ---------------------------------------------------------------------------------

# The hand-written tests take no screenshots: "failure" is the like-for-like mode. "end" adds the
# one screenshot per cell the benchmark also reports; the CLI's default, one after every step for
# the report, costs 30-90 ms a step more.
MODES = ("failure", "end")


def run_harness_cells(out: Path, reps: int) -> tuple[dict, float]:
    from harness import paths
    from harness.runner import Harness, RunOptions
    from harness.scenarios import load_all

    scenarios = {s.id: s for s in load_all([paths.SCENARIO_DIR])}
    times: dict[tuple[str, str, str], list[float]] = {}
    started = time.monotonic()
    with Harness(RunOptions(output_dir=out)) as h:
        for rnd in range(reps + 1):
            for cell in CELLS:
                for engine in ENGINES:
                    for mode in MODES:  # in turn, so that both modes see the same machine
                        h.options.screenshots = mode
                        r = h.run_cell(scenarios[cell], engine)
                        if not r.ok:
                            raise SystemExit(f"benchmark: harness cell {r.cell_id} {r.outcome}: {r.reason}")
                        if rnd:  # round 0 warms up
                            times.setdefault((cell, engine, mode), []).append(r.duration_s)
    return times, time.monotonic() - started


# -- (b) by hand ---------------------------------------------------------------------------------------

def run_handwritten(out: Path, reps: int) -> tuple[dict, float]:
    out.mkdir(parents=True, exist_ok=True)
    times_file = out / "times.json"
    env = dict(os.environ, BENCH_REPS=str(reps + 1), BENCH_ENGINES=",".join(ENGINES), BENCH_TIMES=str(times_file))
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(ROOT / "bench" / "handwritten"), "-q", "-p", "no:cacheprovider",
         "-p", "no:spelo_harness", "-p", "no:playwright", "-o", "addopts=", "--rootdir", str(ROOT / "bench" / "handwritten")],
        cwd=out, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit("benchmark: the handwritten tests failed:\n" + proc.stdout[-3000:])
    times: dict[tuple[str, str], list[float]] = {}
    for nodeid, seconds in json.loads(times_file.read_text()).items():
        name, _, params = nodeid.split("::")[1].partition("[")
        engine, rnd = params.rstrip("]").rsplit("-", 1)
        if int(rnd):
            times.setdefault((name.removeprefix("test_").replace("_", "-"), engine), []).append(seconds)
    return times, wall


def print_cells(harness_t: dict, hand_t: dict, harness_wall: float, hand_wall: float) -> None:
    print(f"\n{'cell':28} {'harness s':>10} {'by hand s':>10} {'ratio':>7} {'+1 shot s':>10} {'ratio':>7}")
    total_h = total_s = total_b = 0.0
    for cell in CELLS:
        for engine in ENGINES:
            h = statistics.median(harness_t[(cell, engine, "failure")])
            s = statistics.median(harness_t[(cell, engine, "end")])
            b = statistics.median(hand_t[(cell, engine)])
            total_h, total_s, total_b = total_h + h, total_s + s, total_b + b
            print(f"{cell + '[' + engine + ']':28} {h:10.3f} {b:10.3f} {h / b:7.2f} {s:10.3f} {s / b:7.2f}"
                  f"{'' if h / b <= TARGET else '  > target'}")
    ratio = total_h / total_b
    print(f"{'all cells (sum of medians)':28} {total_h:10.3f} {total_b:10.3f} {ratio:7.2f} {total_s:10.3f} "
          f"{total_s / total_b:7.2f}  ({'meets' if ratio <= TARGET else 'misses'} the target ≤ {TARGET})")
    for engine in ENGINES:
        h = sum(statistics.median(harness_t[(c, engine, "failure")]) for c in CELLS)
        s = sum(statistics.median(harness_t[(c, engine, "end")]) for c in CELLS)
        b = sum(statistics.median(hand_t[(c, engine)]) for c in CELLS)
        print(f"{'  ' + engine + ' cells':28} {h:10.3f} {b:10.3f} {h / b:7.2f} {s:10.3f} {s / b:7.2f}")
    print(f"{'whole suite, wall':28} {harness_wall:10.1f} {hand_wall:10.1f}"
          "  (harness in-process, both modes; by hand includes pytest's start)")
    print("harness: no screenshot of a passing cell, as the hand-written tests; +1 shot: one per cell")


# -- the matrix ------------------------------------------------------------------------------------------

class TreeSampler(threading.Thread):
    """Peak summed RSS and PSS of every process carrying the mark, sampled every 0.25 s."""

    def __init__(self, mark: str):
        super().__init__(daemon=True)
        self.mark = mark
        self.peak_rss = self.peak_pss = 0
        self.peak_procs = 0
        self.stop = threading.Event()

    def run(self) -> None:
        from harness.reaper import marked

        while not self.stop.wait(0.25):  # a sampling period, not a wait for state
            rss = pss = 0
            pids = marked(self.mark, MARK)
            for pid in pids:
                rss += _kb(f"/proc/{pid}/status", "VmRSS:")
                pss += _kb(f"/proc/{pid}/smaps_rollup", "Pss:")
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, len(pids))


def _kb(path: str, key: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_matrix(out: Path, workers: int, extra: list[str]) -> dict:
    mark = uuid.uuid4().hex
    sampler = TreeSampler(mark)
    sampler.start()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--workers", str(workers), "--output", str(out),
                           *extra], cwd=ROOT, env=dict(os.environ, **{MARK: mark}), capture_output=True, text=True,
                          timeout=3600)
    wall = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    data = json.loads((out / "results.json").read_text())
    outcomes: dict[str, int] = {}
    for r in data["results"]:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    launches = sum(sum(per.values()) for per in data["meta"]["launches"].values())
    return {"wall": wall, "code": proc.returncode, "cells": len(data["results"]), "outcomes": outcomes,
            "launches": launches, "rss_mb": sampler.peak_rss / 1024, "pss_mb": sampler.peak_pss / 1024,
            "procs": sampler.peak_procs}


def print_matrix(matrix: dict, what: str) -> None:
    base = matrix[1]["wall"]
    print(f"\n{what}: spelo-harness run --workers W")
    print(f"{'W':>2} {'wall s':>8} {'vs W=1':>7} {'cells':>6} {'exit':>5} {'launches':>9} {'peak RSS MB':>12} "
          f"{'peak PSS MB':>12} {'procs':>6}  outcomes")
    for w, m in matrix.items():
        print(f"{w:>2} {m['wall']:8.1f} {m['wall'] / base:7.2f} {m['cells']:>6} {m['code']:>5} {m['launches']:>9} "
              f"{m['rss_mb']:12.0f} {m['pss_mb']:12.0f} {m['procs']:>6}  "
              + ", ".join(f"{n} {o}" for o, n in sorted(m["outcomes"].items())))
    print("(2 cores here; RSS counts shared pages once per process, PSS shares them out)")


if __name__ == "__main__":
    sys.exit(main())
