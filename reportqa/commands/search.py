"""``reportqa search``: the passages the assistant would read for a question, ranked."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from reportqa.errors import CommandError
from reportqa.factory import make_retriever, open_index
from reportqa.settings import Settings

if TYPE_CHECKING:  # LangChain takes a second to import: only commands that search pay for it
    from index.base_retriever import SearchRetriever


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search", help="show the best-matching passages for a question",
        description="Rank the library's passages for a Chinese or English question (dense vectors "
        "fused with keyword search). With --batch, every line of a JSONL file "
        '({"id", "question"}) gets one line {"id", "query", "results"}; models load once.',
    )  # fmt: skip
    parser.add_argument("question", nargs="?", help="the question (omit with --batch)")
    parser.add_argument("--k", dest="retrieval.top_k", type=int, metavar="N", help="number of passages (default 5)")
    parser.add_argument("--json", action="store_true", help='print {"query", "results": [...]} as JSON')
    parser.add_argument("--batch", metavar="FILE.jsonl", help="search every question of a JSONL file ('-' = stdin)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if (args.question is None) == (args.batch is None):
        raise CommandError("give either a question or --batch FILE.jsonl", exit_code=2)
    if args.batch not in (None, "-") and not Path(args.batch).is_file():
        raise CommandError(f"batch file not found: {args.batch}")
    retriever = make_retriever(settings, open_index(settings))
    if args.batch is not None:
        if args.batch == "-":
            return run_batch(retriever, sys.stdin, sys.stdout, name="<stdin>")
        with open(args.batch, encoding="utf-8", errors="replace") as lines:
            return run_batch(retriever, lines, sys.stdout, name=args.batch)
    try:
        results = retriever.retrieve(args.question)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print(json.dumps({"query": args.question, "results": [r.to_dict() for r in results]},
                         ensure_ascii=False, indent=2))
    else:
        print_results(results, sys.stdout)
    return 0


def print_results(results: list, out: TextIO) -> None:
    if not results:
        out.write("No passages found.\n")
    for r in results:
        c = r.chunk
        where = " · ".join(str(x) for x in (c.doc_title or c.doc_id, c.section, c.page and f"p.{c.page}") if x)
        text = " ".join(c.text.split())
        out.write(f"[{r.rank}] {where}  (cosine {r.scores.get('dense', 0):.3f}, bm25 {r.scores.get('bm25', 0):.2f})\n")
        out.write(f"    {text[:300]}{'…' if len(text) > 300 else ''}\n")


def run_batch(retriever: SearchRetriever, lines: TextIO, out: TextIO, *, name: str) -> int:
    """One output line per non-blank input line, in order. A bad line yields
    ``{"id", "line", "error"}`` (and a message on stderr) and the batch goes on; the exit code
    is 1 if any line failed."""
    failed = total = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        total += 1
        item_id = None
        try:
            item = _parse_line(line)
            item_id = item.get("id")
            question = _question(item)
            results = retriever.retrieve(question)
            record: dict[str, Any] = {"id": item_id, "query": question,
                                      "results": [r.to_dict() for r in results]}
        except ValueError as exc:
            failed += 1
            print(f"reportqa: {name} line {number}: {exc}", file=sys.stderr)
            record = {"id": item_id, "line": number, "error": str(exc)}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    if failed:
        print(f"reportqa: {failed} of {total} lines failed", file=sys.stderr)
    return 1 if failed else 0


def _parse_line(line: str) -> dict[str, Any]:
    try:
        item = json.loads(line.strip())
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(item, dict):
        raise ValueError(f'expected an object {{"id", "question"}}, got {type(item).__name__}')
    return item


def _question(item: dict[str, Any]) -> str:
    if "id" not in item:
        raise ValueError('missing "id"')
    question = item.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('"question" must be a non-empty string')
    return question
