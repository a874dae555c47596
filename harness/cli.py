"""spelo-harness: the command line. Only parses, dispatches to harness/commands/<name>.py and
turns the one input-error family (UsageError) into a single line and exit code 2."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from harness import __version__
from harness.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def commands() -> tuple[ModuleType, ...]:
    """Every command's module, in the order --help lists them (imported here, not at the module's
    import, so that a Ctrl-C while they load is the one 'interrupted' line too)."""
    from harness.commands import doctor, gate, init, merge, mutate, promises, record, repro, run, schema, serve, soak

    return (run, record, serve, doctor, repro, gate, merge, soak, promises, mutate, schema, init)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
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
    for command in commands():  # each adds its own parser and sets func to its main
        command.register(sub)
    return p


if __name__ == "__main__":
    sys.exit(main())
