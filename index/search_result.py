"""One ranked passage returned by search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.document import Chunk


@dataclass(frozen=True)
class SearchResult:
    """A chunk with its fused ``score`` and the per-retriever scores behind it."""

    chunk: Chunk
    score: float
    rank: int
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``reportqa search --json``."""
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "doc_title": c.doc_title,
            "section": c.section,
            "page": c.page,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "scores": {k: round(float(v), 6) for k, v in self.scores.items()},
        }
