"""Cut a cleaned document into overlapping, sentence-aligned chunks within its sections."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.document import Chunk, Document
from ingest.sentence_splitter import split_clauses, split_sentences
from ingest.structure import Heading, Section, build_sections

Span = tuple[int, int]

# Bump whenever the same text and options would give different chunks (it is part of
# ``config()``, so the index manifest then asks for a rebuild).
CHUNKER_VERSION = "2"


class SentenceChunker:
    """Packs whole sentences into chunks of at most ``chunk_size`` characters.

    - a chunk never crosses a section boundary (each heading starts a new chunk);
    - a sentence is cut only when it alone is longer than ``chunk_size`` (then after a
      clause mark ，,、： where possible);
    - the next chunk repeats the trailing whole sentences of the previous one, up to
      ``chunk_overlap`` characters;
    - a section's last chunk is rebalanced with the one before when it would hold fewer than
      ``min_chunk_chars`` new characters.

    Chunk ids are ``<doc_id>:<index>``: the same text and settings give the same ids.
    """

    version = CHUNKER_VERSION

    def __init__(self, *, chunk_size: int = 350, chunk_overlap: int = 80, min_chunk_chars: int | None = None):
        if not isinstance(chunk_size, int) or chunk_size < 20:
            raise ValueError(f"chunk_size must be an integer of at least 20 characters, got {chunk_size!r}")
        if not isinstance(chunk_overlap, int) or not 0 <= chunk_overlap < chunk_size:
            raise ValueError(
                f"chunk_overlap must be an integer from 0 to chunk_size - 1 ({chunk_size - 1}), got {chunk_overlap!r}"
            )
        if min_chunk_chars is None:
            min_chunk_chars = chunk_size // 5
        if not 0 <= min_chunk_chars <= chunk_size // 2:
            raise ValueError(f"min_chunk_chars must be from 0 to chunk_size // 2, got {min_chunk_chars!r}")
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.min_chunk_chars = min_chunk_chars

    def config(self) -> dict:
        return {
            "version": self.version,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "min_chunk_chars": self.min_chunk_chars,
        }

    def chunk(self, document: Document, headings: Sequence[Heading] = ()) -> list[Chunk]:
        text = document.text
        chunks: list[Chunk] = []
        for section in build_sections(text, headings):
            for start, end in self.chunk_spans(text, section):
                chunks.append(
                    Chunk(
                        chunk_id=f"{document.doc_id}:{len(chunks)}",
                        doc_id=document.doc_id,
                        doc_title=document.title,
                        section=section.path,
                        text=text[start:end],
                        start=start,
                        end=end,
                        page=document.page_at(start),
                    )
                )
        return chunks

    def chunk_spans(self, text: str, section: Section) -> list[Span]:
        """The ``(start, end)`` spans of the chunks of one section."""
        units: list[Span] = []
        for start, end in split_sentences(text, section.start, section.end):
            if end - start > self.chunk_size:
                units.extend(split_clauses(text, start, end, self.chunk_size))
            else:
                units.append((start, end))
        groups = self._pack(units)
        groups = self._rebalance_tail(units, groups)
        return [(units[group[0]][0], units[group[-1]][1]) for group in groups]

    def _pack(self, units: list[Span], first: int = 0, carried: list[int] | None = None) -> list[list[int]]:
        """Greedy packing of unit indexes ``first..`` into groups, each starting with the
        overlap carried from the group before."""
        groups: list[list[int]] = []
        current = list(carried or [])
        for index in range(first, len(units)):
            if current and units[index][1] - units[current[0]][0] > self.chunk_size:
                if any(i >= first for i in current) or not groups:
                    groups.append(current)
                current = self._overlap(units, current, index)
            current.append(index)
        if current:
            groups.append(current)
        return groups

    def _overlap(self, units: list[Span], group: list[int], next_index: int) -> list[int]:
        """The trailing whole units of ``group`` that fit in the overlap and still leave room
        for unit ``next_index`` in the next chunk."""
        carried: list[int] = []
        end = units[group[-1]][1]
        for index in reversed(group):
            start = units[index][0]
            if end - start > self.chunk_overlap or units[next_index][1] - start > self.chunk_size:
                break
            carried.insert(0, index)
        if len(carried) == len(group):  # never repeat a whole chunk
            carried = carried[1:]
        return carried

    def _new_chars(self, units: list[Span], groups: list[list[int]], position: int) -> int:
        previous = set(groups[position - 1]) if position else set()
        new = [i for i in groups[position] if i not in previous]
        return units[new[-1]][1] - units[new[0]][0] if new else 0

    def _rebalance_tail(self, units: list[Span], groups: list[list[int]]) -> list[list[int]]:
        """Move sentences from the second-last chunk into a tiny last chunk, so the section
        does not end in a fragment that repeats mostly overlap."""
        if len(groups) < 2 or self._new_chars(units, groups, len(groups) - 1) >= self.min_chunk_chars:
            return groups
        before = groups[-2]
        carried_into_before = [i for i in before if len(groups) > 2 and i in groups[-3]]
        own = [i for i in before if i not in carried_into_before]
        last_new = [i for i in groups[-1] if i not in before]
        best = groups
        for keep in range(len(own) - 1, 0, -1):
            head = carried_into_before + own[:keep]
            tail = own[keep:] + last_new
            if units[tail[-1]][1] - units[tail[0]][0] > self.chunk_size:
                break
            overlap = self._overlap(units, head, tail[0])
            candidate = groups[:-2] + [head, overlap + tail]
            best = candidate
            if self._new_chars(units, candidate, len(candidate) - 1) >= self.min_chunk_chars:
                break
        return best
