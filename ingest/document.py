"""The records that flow out of ingest: a cleaned document and its chunks."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    """Where a page starts in the cleaned text (``start`` is a character offset)."""

    number: int
    start: int


@dataclass
class Document:
    """A report after loading and cleaning.

    ``text`` is the cleaned text that every chunk offset refers to; ``sha256`` is the hash
    of the raw file bytes, used to detect changed documents.
    """

    doc_id: str
    title: str
    text: str
    source: str
    sha256: str
    pages: list[Page] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """The page number holding character ``offset``, when pages are known."""
        # Binary search: a linear scan per chunk made chunking quadratic in the page count.
        at = bisect_right(self.pages, offset, key=lambda page: page.start)
        return self.pages[at - 1].number if at else None


@dataclass(frozen=True)
class Chunk:
    """A retrievable span of a document: ``document.text[start:end] == text``."""

    chunk_id: str
    doc_id: str
    doc_title: str
    section: str
    text: str
    start: int
    end: int
    page: int | None = None

    def embedding_text(self) -> str:
        """What gets embedded: title and section in front, so a question naming the report
        or its chapter finds the chunk even when the chunk text does not say it."""
        head = " > ".join(part for part in (self.doc_title, self.section) if part)
        return f"{head}\n{self.text}" if head else self.text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)
