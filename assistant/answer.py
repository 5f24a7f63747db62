"""What the assistant returns: claims bound to the evidence spans they rest on, and how it got there."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from index.search_result import SearchResult
from ingest.evidence_units import EvidenceUnit

Language = Literal["zh", "en"]
RefusalReason = Literal["weak_retrieval", "no_evidence", "model_no_answer", "unsupported"]
REFUSAL_REASONS: tuple[str, ...] = ("weak_retrieval", "no_evidence", "model_no_answer", "unsupported")
GateTest = Literal["closeness", "value", "year", "name"]


@dataclass(frozen=True)
class RefusalDetail:
    """Which test of the refusal gate found no answer (reason ``no_evidence``): ``closeness`` (no
    answer unit reaches ``bar``; ``best`` is the closest unit's cosine), ``value`` (no unit states
    the kinds of value in ``missing``: figure, money, percent, day, year), ``year`` (nothing
    around the units mentions the years in ``missing``) or ``name`` (no retrieved passage
    mentions the names in ``missing``)."""

    test: GateTest
    missing: tuple[str, ...] = ()
    best: float | None = None
    bar: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "missing": list(self.missing),
                "best": None if self.best is None else round(self.best, 4), "bar": self.bar}


@dataclass(frozen=True)
class Evidence:
    """A selected evidence unit: number ``n`` in the answer (``[n]``), the passage it came from,
    and why it was chosen (``score``; ``role`` is "answer", "item" or "context")."""

    n: int
    unit: EvidenceUnit
    doc_title: str
    page: int | None
    score: float
    cosine: float = 0.0  # the dense part of ``score`` (a list item's: its lead's if higher): what the refusal gate reads
    role: str = "answer"

    @property
    def text(self) -> str:
        return self.unit.text


@dataclass(frozen=True)
class Citation:
    """Evidence ``n`` as cited: ``start:end`` is its span inside the cleaned document text and
    ``text`` the words there (what the UI highlights)."""

    n: int
    doc_id: str
    doc_title: str
    section: str
    page: int | None
    text: str
    start: int
    end: int
    supported: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, evidence: Evidence) -> Citation:
        u = evidence.unit
        return cls(n=evidence.n, doc_id=u.doc_id, doc_title=evidence.doc_title, section=u.section,
                   page=evidence.page, text=u.text, start=u.start, end=u.end)


@dataclass(frozen=True)
class Claim:
    """One statement of the answer and the evidence numbers it rests on (by construction).
    ``kind``: "lead" (the direct answer), "evidence" (a unit, quoted or translated) or "note"."""

    text: str
    cited: tuple[int, ...]
    kind: str = "evidence"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.cited), "kind": self.kind}


@dataclass
class Answer:
    question: str
    language: Language
    standalone_question: str
    answer: str
    refused: bool
    claims: list[Claim] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    passages: list[SearchResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    backend: str = ""
    unsupported: list[str] = field(default_factory=list)  # claims dropped by verification
    refusal_reason: RefusalReason | None = None
    refusal_detail: RefusalDetail | None = None
    final: bool = True  # False for the instant preview the UI shows before the model's answer
    notes: list[str] = field(default_factory=list)  # e.g. "the question was truncated"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``reportqa ask --json``."""
        return {
            "question": self.question,
            "language": self.language,
            "standalone_question": self.standalone_question,
            "answer": self.answer,
            "refused": self.refused,
            "refusal_reason": self.refusal_reason,
            "refusal_detail": self.refusal_detail.to_dict() if self.refusal_detail else None,
            "backend": self.backend,
            "claims": [c.to_dict() for c in self.claims],
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "unsupported": list(self.unsupported),
            "notes": list(self.notes),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
