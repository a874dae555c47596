"""spelo-harness merge: not built yet."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("merge", help="(not built yet)")
    p.set_defaults(func=cmd)


def cmd(args: argparse.Namespace) -> int:
    from harness.cli import UsageError

    raise UsageError("merge is not built yet")
