"""The scenario loader's cost per scenario, beside one plain PyYAML safe_load of the same files.

    .venv/bin/python bench/loader.py [--scenarios 8000] [--per-file 100]

Generates the project's own scenarios again and again (ids made unique) into files of --per-file
scenarios each in a temporary folder, then times load_all over them, and yaml.safe_load (the
pure-Python loader, what "plain" means to most users) and yaml.load with CSafeLoader (libyaml,
where present) over the same files. Prints ms per scenario for each and the ratio loader /
plain safe_load. The best of three rounds each: the machine is shared, its noise only adds.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import paths  # noqa: E402
from harness.scenarios import load_all  # noqa: E402


def generate(folder: Path, total: int, per_file: int) -> list[Path]:
    """Files of the project's scenarios, repeated with fresh ids (each scenario keeps its shape)."""
    rows = []
    for f in sorted(paths.SCENARIO_DIR.glob("*.yaml")):
        rows += yaml.safe_load(f.read_text(encoding="utf-8"))["scenarios"]
    files = []
    for start in range(0, total, per_file):
        batch = [dict(rows[(start + i) % len(rows)], id=f"s{start + i}") for i in range(min(per_file, total - start))]
        path = folder / f"gen-{start // per_file:04d}.yaml"
        path.write_text(yaml.safe_dump({"scenarios": batch}, allow_unicode=True, sort_keys=False), encoding="utf-8")
        files.append(path)
    return files


def best_of(rounds: int, fn) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=8000)
    ap.add_argument("--per-file", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = generate(folder, args.scenarios, args.per_file)
        texts = [f.read_text(encoding="utf-8") for f in files]
        n = len(load_all([folder]))
        assert n == args.scenarios, n
        loader = best_of(args.rounds, lambda: load_all([folder]))
        plain = best_of(args.rounds, lambda: [yaml.safe_load(t) for t in texts])
        c_loader = getattr(yaml, "CSafeLoader", None)
        libyaml = best_of(args.rounds, lambda: [yaml.load(t, Loader=c_loader) for t in texts]) if c_loader else None
    ms = lambda s: f"{s / n * 1000:.3f} ms"  # noqa: E731
    print(f"{n} scenarios in {len(files)} files")
    print(f"  load_all (harness loader):    {ms(loader)} a scenario ({loader:.2f} s)")
    print(f"  yaml.safe_load (pure Python): {ms(plain)} a scenario ({plain:.2f} s)")
    if libyaml is not None:
        print(f"  yaml CSafeLoader (libyaml):   {ms(libyaml)} a scenario ({libyaml:.2f} s)")
    print(f"  loader / plain safe_load: {loader / plain:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
