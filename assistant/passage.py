"""A retrieved passage as shown to the model: numbered, possibly trimmed to its best sentences."""

from __future__ import annotations

from dataclasses import dataclass

from index.search_result import SearchResult
from ingest.document import Chunk


@dataclass(frozen=True)
class Passage:
    """Passage ``[n]``; ``text == document.text[start:end]`` (a window inside ``result.chunk``)."""

    n: int
    result: SearchResult
    text: str
    start: int
    end: int

    @property
    def chunk(self) -> Chunk:
        return self.result.chunk

    @property
    def trimmed_head(self) -> bool:
        return self.start > self.chunk.start

    @property
    def trimmed_tail(self) -> bool:
        return self.end < self.chunk.end

    @classmethod
    def whole(cls, n: int, result: SearchResult) -> Passage:
        c = result.chunk
        return cls(n=n, result=result, text=c.text, start=c.start, end=c.end)
