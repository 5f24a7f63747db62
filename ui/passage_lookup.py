"""Where a citation points: its supporting span inside the cleaned document text, with context."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from assistant.answer import Citation

logger = logging.getLogger(__name__)


class DocumentTextSource(Protocol):
    @property
    def version(self) -> int: ...  # the current snapshot's version: texts are cached per version

    def document_text(self, doc_id: str) -> str: ...


@dataclass(frozen=True)
class SpanInContext:
    """``before + span + after`` is a window of the document; ``span`` is what the citation
    supports. ``clipped_left/right`` say whether the window stops short of the document."""

    before: str
    span: str
    after: str
    clipped_left: bool
    clipped_right: bool
    found: bool = True  # False: the document is gone and only the citation's own text is known


class PassageLookup:
    """Reads cited spans out of the library, caching document texts of its current snapshot
    version (a new version, written here or by another process, empties the cache).

    Args:
        library: anything with ``document_text(doc_id) -> str`` (the index's cleaned text, the
            one citation offsets refer to).
        context_chars: how much surrounding text to show on each side of a span.
        max_cached: how many document texts to keep in memory.
    """

    def __init__(self, library: DocumentTextSource, *, context_chars: int = 300, max_cached: int = 32):
        if context_chars < 0:
            raise ValueError(f"context_chars must be >= 0, got {context_chars}")
        if max_cached < 1:
            raise ValueError(f"max_cached must be >= 1, got {max_cached}")
        self.library = library
        self.context_chars = context_chars
        self.max_cached = max_cached
        self._texts: dict[str, str | None] = {}
        self._version: int | None = None  # the library version the cached texts belong to
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget cached texts (call after the library changed)."""
        with self._lock:
            self._texts.clear()

    def text(self, doc_id: str) -> str | None:
        """The document's cleaned text, or None when the library no longer has it."""
        version = self.library.version
        with self._lock:
            if version != self._version:
                self._texts.clear()
                self._version = version
            if doc_id in self._texts:
                return self._texts[doc_id]
        try:
            text = self.library.document_text(doc_id)
        except Exception as exc:  # a removed document must not break rendering the chat
            logger.info("no text for %s: %s", doc_id, exc)
            text = None
        with self._lock:
            if version != self._version:  # changed meanwhile: not cached under the newer version
                return text
            if len(self._texts) >= self.max_cached:
                self._texts.pop(next(iter(self._texts)))
            self._texts[doc_id] = text
        return text

    def span_text(self, citation: Citation) -> str:
        """The exact supporting span, falling back to the citation's own text."""
        text = self.text(citation.doc_id)
        if text is not None and 0 <= citation.start < citation.end <= len(text):
            return text[citation.start : citation.end]
        return citation.text

    def in_context(self, citation: Citation) -> SpanInContext:
        """The span with up to ``context_chars`` of surrounding text on each side."""
        text = self.text(citation.doc_id)
        start, end = citation.start, citation.end
        if text is not None and not (0 <= start < end <= len(text)):
            # Offsets that do not fit the current text (document re-indexed since): find the words.
            found_at = text.find(citation.text) if citation.text else -1
            start, end = (found_at, found_at + len(citation.text)) if found_at >= 0 else (-1, -1)
        if text is None or start < 0:
            return SpanInContext("", citation.text, "", False, False, found=False)
        lo = max(0, start - self.context_chars)
        hi = min(len(text), end + self.context_chars)
        return SpanInContext(
            before=text[lo:start],
            span=text[start:end],
            after=text[end:hi],
            clipped_left=lo > 0,
            clipped_right=hi < len(text),
        )
