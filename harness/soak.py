"""spelo-harness soak: not built yet."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("soak", help="(not built yet)")
    p.set_defaults(func=cmd)


def cmd(args: argparse.Namespace) -> int:
    from harness.cli import UsageError

    raise UsageError("soak is not built yet")
