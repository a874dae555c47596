"""spelo-harness doctor: which engines are usable here, with versions and set-up notes."""

from __future__ import annotations

import argparse
import subprocess

from harness.engines import ENGINE_NAMES
from harness.errors import EXIT_FAILED, EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="which engines are usable here, with versions")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness.engines import availability
    from harness.engines.playwright.tab import stop_playwright

    usable = 0
    try:
        for name in ENGINE_NAMES:
            try:
                a = availability(name)  # with the webkit engine chosen and why
            except OSError as e:  # an engine whose discovery could not even run is still reported
                print(f"{name:9} unusable: {type(e).__name__}: {e}")
                continue
            if a.usable:
                usable += 1
                version = a.version or _binary_version(a.source)
                print(f"{name:9} usable   {version.split(' built ')[0]:28} source: {a.source}")
            else:
                print(f"{name:9} missing  {a.reason}")
            for note in a.notes:
                print(f"{'':9} note: {note}")
    finally:
        stop_playwright()
    print(
        f"{usable} of {len(ENGINE_NAMES)} engines usable. Set-up for the missing ones: "
        "`python -m playwright install --with-deps chromium firefox webkit` (in a checkout: bash scripts/setup.sh)"
    )
    return EXIT_OK if usable else EXIT_FAILED


def _binary_version(source: str) -> str:
    """`--version` of a system browser ('system /usr/bin/chromium'); Playwright's own builds
    report theirs when launched."""
    if not source.startswith("system "):
        return source
    try:
        out = subprocess.run([source.split(" ", 1)[1], "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"
