"""spelo-harness schema: the JSON Schema of scenario or profile files, for editors and CI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.errors import EXIT_OK, UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of scenario or profile files (or --write both)")
    p.add_argument("kind", nargs="?", choices=("scenarios", "profile"), default="scenarios")
    p.add_argument(
        "--write",
        type=Path,
        metavar="DIR",
        help="write scenarios.schema.json and profile.schema.json into DIR (the files name ../schemas/)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness.schema import schema, write_schemas

    if args.write is not None:
        try:
            for path in write_schemas(args.write):
                print(path)
        except OSError as e:
            raise UsageError(f"schema: cannot write to {args.write}: {e.strerror or e}") from None
        return EXIT_OK
    json.dump(schema(args.kind), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return EXIT_OK
