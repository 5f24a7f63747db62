"""Ratings -> an evaluation suite in the dev set's JSONL format (``type: "feedback"``).

Each item has the dev set's fields ``id, lang, type, question, answer, key_facts, evidence``;
``answer`` is the answer that was rated, ``evidence`` the spans it cited, ``key_facts`` is left
empty for a reviewer to fill in. The rating and its context come along as extra fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from ui.feedback_store import FeedbackEntry, FeedbackStore

Selection = Literal["up", "down", "all"]
SELECTIONS: tuple[Selection, ...] = ("up", "down", "all")
QUOTE_MAX = 150  # the dev set's longest evidence quote


def _quote(citation: dict[str, Any]) -> str:
    text = " ".join(str(citation.get("quote") or citation.get("text") or "").split())
    return text[:QUOTE_MAX].rstrip()


def suite_item(entry: FeedbackEntry) -> dict[str, Any]:
    evidence: list[dict[str, str]] = []
    for citation in entry.citations:
        item = {"doc": str(citation.get("doc_id", "")), "quote": _quote(citation)}
        if item["doc"] and item["quote"] and item not in evidence:
            evidence.append(item)
    return {
        "id": f"fb-{entry.id:04d}",
        "lang": entry.language if entry.language in ("zh", "en") else "zh",
        "type": "feedback",
        "question": entry.question,
        "answer": entry.answer,
        "key_facts": [],
        "evidence": [] if entry.refused else evidence,
        "rating": entry.rating,
        "comment": entry.comment,
        "refused": entry.refused,
        "backend": entry.backend,
        "manifest_hash": entry.manifest_hash,
        "created_at": entry.created_at,
    }


def feedback_suite(entries: Iterable[FeedbackEntry]) -> list[dict[str, Any]]:
    return [suite_item(entry) for entry in entries]


def export_feedback(store: FeedbackStore, out: str | Path, *, only: Selection = "all") -> int:
    """Write the selected ratings to ``out`` as JSONL (one item a line); returns how many.

    Written to a temporary file first, so a failed export never leaves half a suite behind.
    """
    if only not in SELECTIONS:
        raise ValueError(f"only must be one of {SELECTIONS}, got {only!r}")
    items = feedback_suite(store.entries(None if only == "all" else only))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    partial.replace(out)
    return len(items)
