"""Evaluation suites: JSONL files of questions with gold answers, key facts and evidence.

The format is described in evals/README.md. ``load_suite`` validates every line and raises
``SuiteFormatError`` naming the file, the line and the problem, so a broken suite fails before
any model is loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics.retrieval import Evidence

LANGUAGES = ("zh", "en")
# ``type`` is the evaluator's own label (any non-empty string), used only for breakdowns; the one
# label with a meaning is this one: an item that must be refused, with no evidence or key facts.
UNANSWERABLE = "unanswerable"
FILTER_KEYS = ("id", "lang", "type")
_REQUIRED = ("id", "lang", "type", "question", "answer", "key_facts", "evidence")
_OPTIONAL = ("history", "draft", "meta")


class SuiteFormatError(ValueError):
    """A suite file that cannot be used; the message names the line and the problem."""

    def __init__(self, path: str | Path, line: int | None, reason: str):
        self.path, self.line, self.reason = Path(path), line, reason
        where = f"{self.path}, line {line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class SuiteItem:
    """One evaluation question."""

    id: str
    lang: str
    type: str
    question: str
    answer: str
    key_facts: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    history: tuple[Mapping[str, str], ...] = field(default=())
    # A draft's gold is not written yet (e.g. exported ratings): it may lack key facts, evidence
    # and a reference answer, and the metrics that need what is missing are left out for it.
    draft: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)  # provenance, carried along, never scored

    @property
    def answerable(self) -> bool:
        return self.type != UNANSWERABLE

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "lang": self.lang,
            "type": self.type,
            "question": self.question,
            "answer": self.answer,
            "key_facts": list(self.key_facts),
            "evidence": [{"doc": e.doc, "quote": e.quote} for e in self.evidence],
        }
        if self.history:
            data["history"] = [dict(turn) for turn in self.history]
        if self.draft:
            data["draft"] = True
        if self.meta:
            data["meta"] = dict(self.meta)
        return data


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def parse_item(data: Any) -> SuiteItem:
    """A validated ``SuiteItem`` from one decoded JSON line; ``ValueError`` says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    for key in ("id", "type", "question"):
        if not _is_text(data[key]):
            raise ValueError(f"field {key!r} must be a non-empty string")
    if not isinstance(data["answer"], str):
        raise ValueError("field 'answer' must be a string")
    if data["lang"] not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {data['lang']!r}")
    facts = data["key_facts"]
    if not isinstance(facts, list) or not all(_is_text(f) for f in facts):
        raise ValueError("key_facts must be a list of non-empty strings")
    evidence = data["evidence"]
    if not isinstance(evidence, list):
        raise ValueError("evidence must be a list of {doc, quote} objects")
    for n, ev in enumerate(evidence):
        if not isinstance(ev, dict) or not _is_text(ev.get("doc")) or not _is_text(ev.get("quote")):
            raise ValueError(f"evidence[{n}] must be an object with non-empty 'doc' and 'quote'")
    answerable = data["type"] != UNANSWERABLE
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise ValueError("draft must be true or false")
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise ValueError("meta must be a JSON object")
    if answerable and not draft and (not evidence or not facts):
        raise ValueError(f"a {data['type']!r} item needs at least one key fact and one evidence quote")
    if not answerable and evidence:
        raise ValueError("an unanswerable item must have empty evidence")
    history = data.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and set(t) == {"q", "a"} and all(isinstance(v, str) for v in t.values())
        for t in history
    ):
        raise ValueError('history must be a list of {"q": str, "a": str} turns')
    return SuiteItem(
        id=data["id"],
        lang=data["lang"],
        type=data["type"].strip(),
        question=data["question"],
        answer=data["answer"],
        key_facts=tuple(facts),
        evidence=tuple(Evidence(doc=ev["doc"], quote=ev["quote"]) for ev in evidence),
        history=tuple({"q": t["q"], "a": t["a"]} for t in history),
        draft=draft,
        meta=meta,
    )


def load_suite(path: str | Path) -> list[SuiteItem]:
    """Every item of the JSONL suite at ``path`` (blank lines ignored, ids unique)."""
    path = Path(path)
    if not path.is_file():
        raise SuiteFormatError(path, None, "no such file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise SuiteFormatError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    items: list[SuiteItem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuiteFormatError(path, number, f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
        try:
            item = parse_item(data)
        except ValueError as exc:
            raise SuiteFormatError(path, number, str(exc)) from exc
        if item.id in seen:
            raise SuiteFormatError(path, number, f"duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = number
        items.append(item)
    if not items:
        raise SuiteFormatError(path, None, "the suite has no items")
    return items


def suite_fingerprint(path: str | Path) -> str:
    """sha256 of the suite file, recorded with a run so resumed runs use the same questions."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parse_filter(spec: str | None) -> dict[str, frozenset[str]]:
    """``"lang=en,type=list"`` -> ``{"lang": {"en"}, "type": {"list"}}``.

    Different keys must all match; repeating a key (``type=list,type=fact``) accepts either value.
    """
    filters: dict[str, set[str]] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value:
            raise ValueError(f"filter {part.strip()!r} must look like key=value")
        if key not in FILTER_KEYS:
            raise ValueError(f"cannot filter on {key!r}; use one of {', '.join(FILTER_KEYS)}")
        if key == "lang" and value not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {value!r}")
        filters.setdefault(key, set()).add(value)
    return {key: frozenset(values) for key, values in filters.items()}


def select_items(
    items: Iterable[SuiteItem],
    filters: Mapping[str, Sequence[str] | frozenset[str]] | None = None,
) -> list[SuiteItem]:
    """The items matching every filter, in suite order (``--limit`` samples them: ``evals.item_sample``)."""
    return [
        item
        for item in items
        if all(getattr(item, key) in values for key, values in (filters or {}).items())
    ]
