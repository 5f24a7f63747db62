"""Chunks, their vector ids and each document's cleaned text, in one SQLite file."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.document import Chunk, Document, Page

_SCHEMA = """
CREATE TABLE documents (
    doc_id      TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    text        TEXT NOT NULL,
    pages       TEXT NOT NULL,   -- JSON [[number, start], ...]
    metadata    TEXT NOT NULL,   -- JSON object
    warnings    TEXT NOT NULL,   -- JSON list
    chunk_count INTEGER NOT NULL,
    indexed_at  TEXT NOT NULL
);
CREATE TABLE chunks (
    position    INTEGER PRIMARY KEY,  -- order shared with the BM25 index
    vector_id   INTEGER NOT NULL UNIQUE,  -- id in the FAISS index
    chunk_id    TEXT NOT NULL UNIQUE,
    doc_id      TEXT NOT NULL REFERENCES documents(doc_id),
    doc_title   TEXT NOT NULL,
    section     TEXT NOT NULL,
    text        TEXT NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    page        INTEGER
);
CREATE INDEX chunks_by_doc ON chunks(doc_id, position);
"""


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as listed by ``LibraryIndex.documents()``."""

    doc_id: str
    title: str
    source: str
    sha256: str
    chunks: int
    indexed_at: str
    pages: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "warnings": list(self.warnings)}


@dataclass
class StoredDocument:
    """A document with its chunks and their vector ids: the unit the index is written from."""

    document: Document
    chunks: list[Chunk]
    vector_ids: np.ndarray
    indexed_at: str
    vectors: np.ndarray | None = None  # unit float32 rows aligned with ``chunks`` (not stored here)


class ChunkStore:
    """Read access to a written store; :meth:`write` creates one (never modified afterwards)."""

    FILENAME = "chunks.sqlite"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no chunk store at {self.path}")
        # immutable=1: the file never changes after it is written, so SQLite may skip locking;
        # the open connection also keeps reading this version if a new index is swapped in.
        self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                   check_same_thread=False)
        self._lock = threading.Lock()

    @staticmethod
    def write(path: str | Path, documents: Iterable[StoredDocument]) -> None:
        db = sqlite3.connect(path)
        try:
            db.executescript(_SCHEMA)
            position = 0
            for stored in documents:
                doc = stored.document
                db.execute(
                    "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.doc_id, doc.title, doc.source, doc.sha256, doc.text,
                     json.dumps([[p.number, p.start] for p in doc.pages]),
                     json.dumps(doc.metadata, ensure_ascii=False, default=str),
                     json.dumps(list(doc.warnings), ensure_ascii=False),
                     len(stored.chunks), stored.indexed_at),
                )
                for chunk, vector_id in zip(stored.chunks, stored.vector_ids):
                    db.execute(
                        "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (position, int(vector_id), chunk.chunk_id, chunk.doc_id, chunk.doc_title,
                         chunk.section, chunk.text, chunk.start, chunk.end, chunk.page),
                    )
                    position += 1
            db.commit()
        finally:
            db.close()

    def chunks(self) -> tuple[list[Chunk], np.ndarray]:
        """All chunks in position order, with their vector ids."""
        with self._lock:
            rows = self._db.execute(
                'SELECT vector_id, chunk_id, doc_id, doc_title, section, text, start, "end", page '
                "FROM chunks ORDER BY position"
            ).fetchall()
        chunks = [Chunk(chunk_id=r[1], doc_id=r[2], doc_title=r[3], section=r[4], text=r[5],
                        start=r[6], end=r[7], page=r[8]) for r in rows]
        return chunks, np.array([r[0] for r in rows], dtype=np.int64)

    def documents(self) -> list[DocumentInfo]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id, title, source, sha256, chunk_count, indexed_at, pages, warnings "
                "FROM documents ORDER BY doc_id"
            ).fetchall()
        return [DocumentInfo(doc_id=r[0], title=r[1], source=r[2], sha256=r[3], chunks=r[4], indexed_at=r[5],
                             pages=len(json.loads(r[6])), warnings=tuple(json.loads(r[7]))) for r in rows]

    def document_text(self, doc_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return None if row is None else row[0]

    def document(self, doc_id: str) -> tuple[Document, str] | None:
        """The stored document and when it was indexed (``None`` if unknown)."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc_id, title, text, source, sha256, pages, metadata, warnings, indexed_at "
                "FROM documents WHERE doc_id = ?", (doc_id,)
            ).fetchone()
        if row is None:
            return None
        document = Document(doc_id=row[0], title=row[1], text=row[2], source=row[3], sha256=row[4],
                            pages=[Page(number=n, start=s) for n, s in json.loads(row[5])],
                            metadata=json.loads(row[6]), warnings=list(json.loads(row[7])))
        return document, row[8]

    def close(self) -> None:
        with self._lock:
            self._db.close()
