"""Evidence units and their vectors, stored beside the chunk vectors of an index snapshot.

``evidence.sqlite`` holds the units (spans of the cleaned document texts) and
``evidence_vectors.npy`` their embeddings in the same order (float32, read with
``allow_pickle=False``). Units are looked up by the chunk they lie in, so answer selection scores
only the units of the retrieved chunks.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.document import Chunk
from ingest.evidence_units import KINDS, EvidenceUnit

_SCHEMA = """
CREATE TABLE units (
    position INTEGER PRIMARY KEY,   -- row of the vector in evidence_vectors.npy
    unit_id  TEXT NOT NULL UNIQUE,
    doc_id   TEXT NOT NULL,
    start    INTEGER NOT NULL,
    "end"    INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    section  TEXT NOT NULL,
    lead     TEXT,
    paragraph INTEGER NOT NULL,
    text     TEXT NOT NULL,
    context  TEXT NOT NULL DEFAULT ''  -- embedded with the unit, never shown (a table row's caption)
);
"""


class EvidenceStore:
    """The units of an index snapshot, their vectors, and lookups by chunk and by id."""

    FILENAME = "evidence.sqlite"
    VECTORS = "evidence_vectors.npy"

    def __init__(self, units: Sequence[EvidenceUnit], vectors: np.ndarray):
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(units):
            raise ValueError(f"expected {len(units)} unit vectors, got an array of shape {vectors.shape}")
        if vectors.dtype != np.float32:
            raise ValueError(f"unit vectors must be float32, got {vectors.dtype}")
        self.units = list(units)
        self.vectors = vectors
        self._position = {u.unit_id: i for i, u in enumerate(self.units)}
        by_doc: dict[str, list[int]] = defaultdict(list)
        for i, unit in enumerate(self.units):
            by_doc[unit.doc_id].append(i)
        self._by_doc = {d: sorted(rows, key=lambda i: self.units[i].start) for d, rows in by_doc.items()}
        self._starts = {d: [self.units[i].start for i in rows] for d, rows in self._by_doc.items()}
        self._items: dict[str, list[int]] = defaultdict(list)
        for d, rows in self._by_doc.items():
            for i in rows:
                if self.units[i].lead is not None:
                    self._items[self.units[i].lead].append(i)

    def __len__(self) -> int:
        return len(self.units)

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def position(self, unit_id: str) -> int | None:
        return self._position.get(unit_id)

    def unit(self, unit_id: str) -> EvidenceUnit | None:
        i = self._position.get(unit_id)
        return None if i is None else self.units[i]

    def in_span(self, doc_id: str, start: int, end: int) -> list[int]:
        """Positions of the units of ``doc_id`` that overlap ``[start, end)`` by at least half
        of their own length (a chunk boundary may cut a sentence), in reading order."""
        rows, starts = self._by_doc.get(doc_id, []), self._starts.get(doc_id, [])
        out = []
        for k in range(max(0, bisect.bisect_right(starts, start) - 1), len(rows)):
            unit = self.units[rows[k]]
            if unit.start >= end:
                break
            overlap = min(end, unit.end) - max(start, unit.start)
            if overlap > 0 and overlap * 2 >= unit.end - unit.start:
                out.append(rows[k])
        return out

    def in_chunk(self, chunk: Chunk) -> list[int]:
        return self.in_span(chunk.doc_id, chunk.start, chunk.end)

    def next_of(self, unit_id: str) -> EvidenceUnit | None:
        """The unit after ``unit_id`` in reading order (same document), or ``None``."""
        i = self._position.get(unit_id)
        if i is None or i + 1 >= len(self.units) or self.units[i + 1].doc_id != self.units[i].doc_id:
            return None
        return self.units[i + 1]

    def previous_of(self, unit_id: str) -> EvidenceUnit | None:
        i = self._position.get(unit_id)
        if not i or self.units[i - 1].doc_id != self.units[i].doc_id:
            return None
        return self.units[i - 1]

    def items_of(self, lead_id: str) -> list[int]:
        """Positions of the list items introduced by unit ``lead_id``, in reading order."""
        return list(self._items.get(lead_id, ()))

    def without_document(self, doc_id: str) -> EvidenceStore:
        keep = [i for i, u in enumerate(self.units) if u.doc_id != doc_id]
        return EvidenceStore([self.units[i] for i in keep], self.vectors[keep])

    # ------------------------------------------------------------------------------ disk
    def save(self, folder: str | Path) -> None:
        folder = Path(folder)
        with sqlite3.connect(folder / self.FILENAME) as db:
            db.executescript(_SCHEMA)
            db.executemany(
                'INSERT INTO units (position, unit_id, doc_id, start, "end", kind, section, lead, paragraph, text, context) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(i, u.unit_id, u.doc_id, u.start, u.end, u.kind, u.section, u.lead, u.paragraph, u.text, u.context)
                 for i, u in enumerate(self.units)],
            )
        db.close()
        np.save(folder / self.VECTORS, self.vectors.astype("<f4"), allow_pickle=False)

    @classmethod
    def exists(cls, folder: str | Path) -> bool:
        return (Path(folder) / cls.FILENAME).is_file()

    @classmethod
    def load(cls, folder: str | Path) -> EvidenceStore:
        """Raises ``ValueError`` for a damaged store (unknown kind, vector count mismatch)."""
        folder = Path(folder)
        db = sqlite3.connect(f"file:{folder / cls.FILENAME}?mode=ro", uri=True)
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(units)")}
            context = "context" if "context" in columns else "''"  # a store written before units had one
            rows = db.execute(
                f'SELECT unit_id, doc_id, start, "end", kind, section, lead, paragraph, text, {context} FROM units '
                "ORDER BY position"
            ).fetchall()
        finally:
            db.close()
        units = [EvidenceUnit(r[0], r[1], r[2], r[3], r[8], r[4], r[5], r[6], r[7], r[9]) for r in rows]
        unknown = {u.kind for u in units} - KINDS
        if unknown:
            raise ValueError(f"evidence store has unknown unit kinds {sorted(unknown)}")
        vectors = np.load(folder / cls.VECTORS, allow_pickle=False).astype(np.float32, copy=False)
        return cls(units, vectors)
