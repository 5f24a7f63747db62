"""``reportqa feedback export``: ratings given in the web UI, as an evaluation suite."""

from __future__ import annotations

import argparse
import json

from reportqa.errors import CommandError
from reportqa.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("feedback", help="export the thumbs up/down given in the web UI")
    actions = parser.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="write ratings as a JSONL evaluation suite (the dev set's format, type 'feedback')",
        description="Write the ratings stored by `reportqa serve` as a draft suite that `reportqa eval` loads: "
        "the dev set's fields (id, lang, type, question, answer, key_facts, evidence), draft=true, and meta "
        "(rating, comment, rated answer, cited spans, refused, back-end, manifest hash, time). A 👍 answer "
        "becomes the reference with its cited spans as evidence; a 👍 refusal an unanswerable item; a 👎 "
        "item keeps only its question until a reviewer adds the gold.",
    )  # fmt: skip
    export.add_argument("--out", metavar="FILE.jsonl", help="file to write (default: standard output)")
    export.add_argument("--only", choices=("down", "up", "all"), default="all",
                        help="which ratings to export (default: all)")
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from ui.feedback_export import export_feedback, feedback_suite
    from ui.feedback_store import FeedbackStore

    path = settings.feedback_path
    if not path.is_file():
        raise CommandError(f"no feedback yet: {path} does not exist (ratings are stored by `reportqa serve`)")
    try:
        store = FeedbackStore(path)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.out:
        count = export_feedback(store, args.out, only=args.only)
        print(f"Wrote {count} item(s) to {args.out}")
        return 0
    for item in feedback_suite(store.entries(None if args.only == "all" else args.only)):
        print(json.dumps(item, ensure_ascii=False))
    return 0
