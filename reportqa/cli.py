"""The ``reportqa`` console script: one sub-command module per job, on top of the packages."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from reportqa.errors import CommandError
from reportqa.settings import Settings, load_settings

# Each module defines ``register(subparsers)``; the parser it adds sets ``func(args, settings)``.
COMMAND_MODULES = ("models", "ingest", "index", "search", "ask", "serve", "eval", "feedback")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportqa",
        description="Ask Chinese and English questions over a library of reports, with citations.",
    )
    parser.add_argument("--data-dir", help="where the index, caches and feedback live (default ./var)")
    parser.add_argument("--library", dest="library_dir", help="folder of reports (default data/reports)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"reportqa.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"reportqa.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings with every CLI flag that names a setting (``dest`` with dots) applied on top."""
    overrides = {"data_dir": args.data_dir, "library_dir": args.library_dir}
    for key, value in vars(args).items():
        if "." in key:
            overrides[key] = value
    return load_settings(overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = settings_from_args(args)
    except ValidationError as exc:
        print(f"reportqa: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        print("reportqa: interrupted", file=sys.stderr)
        return 130
    except CommandError as exc:
        print(f"reportqa: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
