"""spelo-harness init [DIR]: set up a user's repository to test their widget with the harness.

Writes a profile to fill in (the reference's, with the schema line editors read), a scenarios
folder whose cells run beside the seed catalog (`:seed`), a known-issues file for the gate, the
JSON Schemas the two YAML files name, and a GitHub Actions workflow: Playwright's browsers, each
engine in shards, one merged report, the gate. Nothing is overwritten without --force.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import __version__, paths
from harness.commands.options import SEED
from harness.errors import EXIT_OK, UsageError

PROFILE = "spelo.profile.yaml"
SCENARIOS = "voice-scenarios"
SCENARIO_FILE = f"{SCENARIOS}/my-widget.yaml"
KNOWN_ISSUES = "known-issues.yaml"
SCHEMAS = ".spelo/schemas"
WORKFLOW = ".github/workflows/voice-widget.yml"
SHARDS = 2

PROFILE_HEAD = f"""# yaml-language-server: $schema={SCHEMAS}/profile.schema.json
# How the harness finds your widget's parts and reads its state. These are the reference widget's
# selectors and words: replace each with your build's (a part your widget does not have: none),
# and map the reference's states and texts to yours under `states` and `texts`.
# The fields: `spelo-harness schema profile`; checked at load, one line per mistake.
"""

SCENARIO_TEXT = f"""# yaml-language-server: $schema=../{SCHEMAS}/scenarios.schema.json
# Your own cells. They run beside the harness's seed catalog ({SEED} in the workflow's command);
# ids must not repeat a seed scenario's (`spelo-harness promises` lists those).
scenarios:
  - id: my-cancel-on-notice
    title: "The visitor opens the widget and cancels at the notice: the microphone stays untouched"
    permission: granted
    steps: [{{click: orb}}, {{click: cancel}}]
    expect: {{state: idle, notice: false, gum_calls: 0}}
"""

KNOWN_ISSUES_TEXT = """# The release baseline of `spelo-harness gate` (README of the harness, "The release gate").
# engines: every engine a release must run; one that ran no cell fails the gate.
engines: [chromium, firefox, webkit]
# Known failures a release may ship with, each with its reason.
# An entry: - cell: "allow[firefox]"
#             reason: "ticket 123: ..."
known_issues: []
# Cells that may be skipped although they ran before, or engines that may not run.
# An entry: - cell: "silent-device[chromium]"   (or: - engine: webkit)
#             reason: "ticket 124: ..."
known_skips: []
"""


def run_command(widget: str) -> str:
    """The run the workflow makes (plus --browser, --shard), and a person makes here."""
    return f"spelo-harness run {SEED} {SCENARIOS} --widget {widget} --profile {PROFILE}"


def workflow(widget: str, harness_spec: str) -> str:
    shards = ", ".join(str(i) for i in range(1, SHARDS + 1))
    return f"""# The voice widget in Chromium, Firefox and WebKit (Playwright's builds), each in {SHARDS} shards;
# then one merged report and the release gate against {KNOWN_ISSUES}. Written by
# `spelo-harness init`; build your widget before the run step if {widget} is a build output.
name: voice widget

on:
  push:
  pull_request:

permissions:
  contents: read

env:
  # Where pip finds the harness: a version on your index, a wheel's URL, or git+https://….
  SPELO_HARNESS: "{harness_spec}"
  SPELO_WEBKIT: playwright

jobs:
  cells:
    name: ${{{{ matrix.engine }}}} shard ${{{{ matrix.shard }}}}/{SHARDS}
    runs-on: ubuntu-latest
    timeout-minutes: 60
    strategy:
      fail-fast: false
      matrix:
        engine: [chromium, firefox, webkit]
        shard: [{shards}]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the harness
        run: pip install "$SPELO_HARNESS"
      - name: Install Playwright's ${{{{ matrix.engine }}}} and its system libraries
        run: python -m playwright install --with-deps ${{{{ matrix.engine }}}}
      - name: Allow the run's seal
        # The harness runs each matrix in a network namespace with only loopback; as a normal
        # user that needs a user namespace, which Ubuntu 24.04 forbids by default.
        run: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true
      - name: Run shard ${{{{ matrix.shard }}}}/{SHARDS}
        env:
          ENGINE: ${{{{ matrix.engine }}}}
          SHARD: ${{{{ matrix.shard }}}}
        run: |
          status=0
          {run_command(widget)} --browser "$ENGINE" --shard "$SHARD/{SHARDS}" --output test-results || status=$?
          # Exit 1 is failed cells: the gate judges them against {KNOWN_ISSUES}. Anything else is an error.
          if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then exit "$status"; fi
      - uses: actions/upload-artifact@v4
        if: ${{{{ !cancelled() }}}}
        with:
          name: results-${{{{ matrix.engine }}}}-shard${{{{ matrix.shard }}}}
          path: test-results
          if-no-files-found: error

  report:
    name: merged report and gate
    needs: [cells]
    if: ${{{{ !cancelled() }}}}
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the harness
        run: pip install "$SPELO_HARNESS"
      - uses: actions/download-artifact@v4
        with:
          pattern: results-*
          path: runs
      - name: Merge the shards into one report
        run: spelo-harness merge runs/*/results.json --output merged
      - name: Gate
        run: spelo-harness gate merged/results.json --baseline {KNOWN_ISSUES} --output merged/gate.md
      - uses: actions/upload-artifact@v4
        if: ${{{{ !cancelled() }}}}
        with:
          name: merged-report
          path: merged
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="set up a repository: profile, scenarios, known issues, CI workflow")
    p.add_argument("dir", nargs="?", type=Path, default=Path("."), help="the repository's folder (default: here)")
    p.add_argument("--widget", default="dist/widget.js", help="the widget build the runs test, relative to DIR (default: dist/widget.js)")
    p.add_argument(
        "--harness-spec",
        default=f"spelo-harness=={__version__}",
        help="what the workflow gives pip to install the harness (default: this version)",
    )
    p.add_argument("--force", action="store_true", help="replace files that exist")
    p.set_defaults(func=main)


def files(widget: str, harness_spec: str) -> dict[str, str]:
    """Relative path -> text, for every file but the schemas."""
    reference = paths.REFERENCE_PROFILE.read_text(encoding="utf-8").splitlines(keepends=True)
    body = "".join(line for line in reference if not line.startswith("#"))
    return {
        PROFILE: PROFILE_HEAD + body.replace("name: reference", "name: my-widget", 1),
        SCENARIO_FILE: SCENARIO_TEXT,
        KNOWN_ISSUES: KNOWN_ISSUES_TEXT,
        WORKFLOW: workflow(widget, harness_spec),
    }


def main(args: argparse.Namespace) -> int:
    from harness.schema import FILES, write_schemas

    root: Path = args.dir
    if root.exists() and not root.is_dir():
        raise UsageError(f"init: {root} is not a folder")
    texts = files(args.widget, args.harness_spec)
    targets = [*texts, *(f"{SCHEMAS}/{name}" for name in FILES.values())]
    there = [t for t in targets if (root / t).exists()]
    if there and not args.force:
        raise UsageError(f"init: {root / there[0]} exists ({len(there)} of the files do); --force replaces them")
    try:
        for rel, text in texts.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        write_schemas(root / SCHEMAS)
    except OSError as e:
        raise UsageError(f"init: cannot write in {root}: {e.strerror or e}") from None
    for rel in targets:
        print(f"wrote {root / rel}")
    widget_note = "" if (root / args.widget).is_file() else f" (no {args.widget} there yet: build it first)"
    print(f"next: fill in {PROFILE}, then in {root}: {run_command(args.widget)}{widget_note}")
    return EXIT_OK
