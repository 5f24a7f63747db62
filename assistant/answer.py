"""What the assistant returns: the answer, its checked citations and how it got there."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from index.search_result import SearchResult

Language = Literal["zh", "en"]


@dataclass(frozen=True)
class Citation:
    """Passage ``n`` as cited in the answer; ``start:end`` is the supporting span inside the
    cleaned document text (narrower than the passage when a sentence can be pinned)."""

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


@dataclass
class Answer:
    question: str
    language: Language
    standalone_question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[SearchResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    backend: str = ""
    unsupported: list[str] = field(default_factory=list)
    final: bool = True  # False for the instant extractive preview streamed before the model's answer
    notes: list[str] = field(default_factory=list)  # e.g. "the question was truncated"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``reportqa ask --json``."""
        return {
            "question": self.question,
            "language": self.language,
            "standalone_question": self.standalone_question,
            "answer": self.answer,
            "refused": self.refused,
            "backend": self.backend,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "unsupported": list(self.unsupported),
            "notes": list(self.notes),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
