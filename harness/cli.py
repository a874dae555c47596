"""spelo-harness: the command line. Only parses, dispatches to harness/commands/<name>.py and
turns the one input-error family (UsageError) into a single line and exit code 2."""
from __future__ import annotations

import argparse
import sys

from harness import __version__
from harness.commands import doctor, gate, init, merge, mutate, promises, record, repro, run, schema, serve, soak
from harness.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]
COMMANDS = (run, record, serve, doctor, repro, gate, merge, soak, promises, mutate, schema, init)  # in the order --help lists them


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as e:
        print(f"spelo-harness: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("spelo-harness: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spelo-harness", description="The Spelo widget in real Chromium, Firefox and WebKit.")
    p.add_argument("--version", action="version", version=f"spelo-harness {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:  # each adds its own parser and sets func to its main
        command.register(sub)
    return p


if __name__ == "__main__":
    sys.exit(main())
