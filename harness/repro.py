"""spelo-harness repro: not built yet."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("repro", help="(not built yet)")
    p.set_defaults(func=cmd)


def cmd(args: argparse.Namespace) -> int:
    from harness.cli import UsageError

    raise UsageError("repro is not built yet")
