"""``reportqa ask``: answer one question (streamed) or a JSONL batch, with checked citations."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from reportqa.errors import CommandError
from reportqa.factory import BACKENDS, make_assistant
from reportqa.settings import Settings

if TYPE_CHECKING:  # the assistant (LangChain) takes seconds to import: only ``ask`` pays for it
    from assistant import Answer


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask", help="answer a question from the reports, with numbered sources",
        description="Answer a Chinese or English question from the indexed reports. The answer is "
        "streamed, then its sources are listed; with --batch, every line of a JSONL file "
        '({"id", "question", "history": [{"q", "a"}]}) gets one JSON answer line.',
    )  # fmt: skip
    parser.add_argument("question", nargs="?", help="the question (omit with --batch)")
    parser.add_argument("--backend", dest="assistant.backend", choices=BACKENDS, help="answering back-end")
    parser.add_argument("--k", dest="assistant.retrieve.passages", type=int, metavar="N",
                        help="passages whose sentences are candidate evidence")
    parser.add_argument("--language", dest="assistant.language", choices=("auto", "zh", "en"),
                        help="answer language (default: the question's)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the answer as JSON instead of streaming it")
    parser.add_argument("--batch", type=Path, metavar="FILE.jsonl", help="answer every question of a JSONL file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if (args.question is None) == (args.batch is None):
        raise CommandError("give either a question or --batch FILE.jsonl", exit_code=2)
    if args.batch is not None and not args.batch.is_file():
        raise CommandError(f"batch file not found: {args.batch}")
    try:
        assistant = make_assistant(settings)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.batch is not None:
        return run_batch(assistant, args.batch, sys.stdout)
    try:
        if args.json:
            answer = assistant.ask(args.question)
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        else:
            print_streamed(assistant.stream(args.question), sys.stdout)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    return 0


def print_streamed(items: Iterator[Answer | str], out: TextIO) -> None:
    """The final answer (its claims, each with its markers), then the numbered sources (or
    related passages for a refusal). The model's raw tokens are not shown: the answer is
    composed from them and the evidence, and only the composed answer is what the sources back."""
    from assistant.labels import labels_for

    for item in items:
        if isinstance(item, str) or not item.final:
            continue
        labels = labels_for(item.language)
        for note in item.notes:
            out.write(f"({note})\n")
        out.write(item.answer)
        out.write("\n")
        sources = [c for c in item.citations if c.supported]
        if sources:
            out.write(f"\n{labels.sources}:\n")
            for c in sources:
                where = " · ".join(str(x) for x in (c.doc_title or c.doc_id, c.section, c.page and f"p.{c.page}") if x)
                out.write(f"  [{c.n}] {where}\n      {c.text}\n")
        if item.unsupported:
            out.write(f"\n{labels.unsupported}:\n")
            for claim in item.unsupported:
                out.write(f"  - {claim}\n")
        if item.refused and item.passages:
            out.write(f"\n{labels.related}:\n")
            for r in item.passages:
                snippet = " ".join(r.chunk.text.split())[:120]
                out.write(f"  - {r.chunk.doc_title or r.chunk.doc_id}: {snippet}…\n")
        out.flush()


class BatchLineError(ValueError):
    """A batch line that cannot be answered; ``record_id`` is its id when the line had one."""

    def __init__(self, message: str, record_id: Any = None):
        super().__init__(message)
        self.record_id = record_id


def parse_batch_line(line: str) -> tuple[Any, str, list[dict[str, str]]]:
    """``(id, question, history)`` of one batch line; BatchLineError says what is wrong."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BatchLineError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise BatchLineError("each line must be a JSON object")
    record_id = record.get("id")
    question = record.get("question")
    if not isinstance(question, str):
        raise BatchLineError('"question" must be a string', record_id)
    history = record.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and isinstance(t.get("q"), str) and isinstance(t.get("a", ""), str) for t in history
    ):
        raise BatchLineError('"history" must be a list of {"q": str, "a": str} turns', record_id)
    return record_id, question, history


def run_batch(assistant, path: Path, out: TextIO) -> int:
    """One JSON line per non-blank input line; a bad line gets an error object, the rest go on."""
    failed = total = 0
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            total += 1
            record_id = None
            try:
                record_id, question, history = parse_batch_line(line)
                result = {"id": record_id, **assistant.ask(question, history).to_dict()}
            except BatchLineError as exc:
                failed += 1
                result = {"id": exc.record_id, "line": number, "error": str(exc)}
            except (ValueError, RuntimeError) as exc:  # rejected question, or the model failed
                failed += 1
                result = {"id": record_id, "line": number, "error": str(exc)}
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            out.flush()
    if failed:
        print(f"reportqa ask: {failed} of {total} lines failed (see their \"error\")", file=sys.stderr)
    return 0
