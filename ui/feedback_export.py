"""Ratings -> an evaluation suite in the dev set's JSONL format that ``reportqa eval`` loads.

Each item has the dev set's fields ``id, lang, type, question, answer, key_facts, evidence`` and
is a ``draft`` (its gold is for a reviewer to complete; until then only what it has is scored):

- 👍 on an answer: ``answer`` is the rated answer, ``evidence`` the spans it cited;
- 👍 on a refusal: ``type`` is ``unanswerable`` (the user agrees the reports do not say);
- 👎: no reference answer or evidence, since what was rated is wrong; the rated answer and the
  spans it cited are kept in ``meta`` for the reviewer.

``key_facts`` is always left empty. The rating, comment and context are in ``meta``.
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
    cited: list[dict[str, str]] = []
    for citation in entry.citations:
        item = {"doc": str(citation.get("doc_id", "")), "quote": _quote(citation)}
        if item["doc"] and item["quote"] and item not in cited:
            cited.append(item)
    approved = entry.rating == "up"
    return {
        "id": f"fb-{entry.id:04d}",
        "lang": entry.language if entry.language in ("zh", "en") else "zh",
        "type": "unanswerable" if approved and entry.refused else "feedback",
        "question": entry.question,
        "answer": entry.answer if approved else "",
        "key_facts": [],
        "evidence": cited if approved and not entry.refused else [],
        "draft": True,
        "meta": {
            "rating": entry.rating,
            "comment": entry.comment,
            "rated_answer": entry.answer,
            "cited": cited,
            "refused": entry.refused,
            "backend": entry.backend,
            "manifest_hash": entry.manifest_hash,
            "created_at": entry.created_at,
        },
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
