"""The ``reportqa`` console script: one sub-command module per job, on top of the packages."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
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
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log debug messages, and let model libraries show their own progress bars and warnings")
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


# Read by the Hugging Face libraries when they are imported (later, in the command that loads
# a model): their progress bars (transformers' too) and their log levels.
_QUIET_ENVIRONMENT = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_VERBOSITY": "error",
    "TRANSFORMERS_VERBOSITY": "error",
}


def quiet_model_libraries() -> None:
    """Keep stderr for reportqa's own messages and progress bars.

    Hugging Face libraries draw a bar of their own whenever a model loads ("Loading weights:
    100%| 314/314") and log routine advice as warnings, which clutters answers, ``--json`` runs
    and logs. Our bars (embedding during ``index build``, ``models pull``) use tqdm directly and
    are unaffected. Environment variables the user set win (``HF_HUB_DISABLE_PROGRESS_BARS=0``).
    """
    ours = {name: os.environ.setdefault(name, value) == value for name, value in _QUIET_ENVIRONMENT.items()}
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    # Already imported (by a program that calls ``main``), they no longer read the environment.
    if "huggingface_hub" in sys.modules:
        from huggingface_hub import utils as hub_utils

        if ours["HF_HUB_DISABLE_PROGRESS_BARS"]:
            hub_utils.disable_progress_bars()
        if ours["HF_HUB_VERBOSITY"]:
            hub_utils.logging.set_verbosity_error()
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        if ours["HF_HUB_DISABLE_PROGRESS_BARS"]:
            transformers_logging.disable_progress_bar()
        if ours["TRANSFORMERS_VERBOSITY"]:
            transformers_logging.set_verbosity_error()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        quiet_model_libraries()
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
    except BrokenPipeError:  # `reportqa index status | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except CommandError as exc:
        print(f"reportqa: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
