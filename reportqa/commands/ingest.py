"""``reportqa ingest FILE...``: load, clean and chunk files without indexing them, to check
what the index would get."""

from __future__ import annotations

import argparse
import json

from reportqa.factory import make_pipeline
from reportqa.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest", help="clean and chunk files and show the result (nothing is indexed)"
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".txt .md .pdf .docx .html files")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--show", action="store_true", help="print the cleaned text and every chunk")
    shown.add_argument("--json", action="store_true", help="print documents and chunks as JSON")
    parser.add_argument("--chunk-size", dest="ingest.chunk_size", type=int, metavar="N",
                        help="maximum characters per chunk")  # fmt: skip
    parser.add_argument("--chunk-overlap", dest="ingest.chunk_overlap", type=int, metavar="N",
                        help="characters of trailing sentences repeated in the next chunk")  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = make_pipeline(settings)
    results, errors = pipeline.run_many(args.files)
    if args.json:
        payload = {
            "config": pipeline.config(),
            "documents": [
                {
                    "doc_id": r.document.doc_id,
                    "title": r.document.title,
                    "source": r.document.source,
                    "sha256": r.document.sha256,
                    "chars": len(r.document.text),
                    "metadata": r.document.metadata,
                    "warnings": r.document.warnings,
                    "text": r.document.text,
                    "chunks": [chunk.to_dict() for chunk in r.chunks],
                }
                for r in results
            ],
            "errors": [{"path": e.path, "reason": e.reason} for e in errors],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return 1 if errors else 0
    for result in results:
        document, chunks = result.document, result.chunks
        if args.show:
            _show(result)
        else:
            warnings = f", {len(document.warnings)} warnings" if document.warnings else ""
            print(f"{document.doc_id}: {document.title} — {len(document.text)} chars, {len(chunks)} chunks{warnings}")
        for warning in document.warnings:
            print(f"  warning: {warning}")
    for error in errors:
        print(f"error: {error}")
    return 1 if errors else 0


def _show(result) -> None:
    document = result.document
    rule = "=" * 80
    print(rule)
    print(f"{document.doc_id}  title: {document.title}")
    print(f"source: {document.source}  sha256: {document.sha256[:12]}  language: {document.metadata.get('language')}")
    print(f"{len(document.text)} chars, {len(document.pages)} pages, {len(result.chunks)} chunks")
    print(rule)
    print(document.text)
    print(rule)
    for chunk in result.chunks:
        page = f" p.{chunk.page}" if chunk.page is not None else ""
        print(f"--- {chunk.chunk_id} [{chunk.start}-{chunk.end}] ({len(chunk.text)} chars){page}  § {chunk.section or '-'}")
        print(chunk.text)
