"""spelo-harness gate: not built yet."""
from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("gate", help="(not built yet)")
    p.set_defaults(func=cmd)


def cmd(args: argparse.Namespace) -> int:
    from harness.cli import UsageError

    raise UsageError("gate is not built yet")
