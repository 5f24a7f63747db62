"""Vectors already computed, so builds and updates only embed new or changed text."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

_VECTOR_DTYPE = np.dtype("<f4")  # explicit little-endian float32: the blob format on disk

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    fingerprint TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    dimension   INTEGER NOT NULL,
    vector      BLOB NOT NULL,
    PRIMARY KEY (fingerprint, text_sha256)
) WITHOUT ROWID
"""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """SQLite table ``(embedder cache key, sha256 of the exact text) -> float32 vector``.

    Vectors are stored as raw little-endian float32 bytes and read back with ``np.frombuffer``
    (no pickle). Keys include the embedder's ``cache_key`` (weights fingerprint, and backend and
    quantization when not the published weights), so vectors of two models or backends never
    mix. Safe to share between threads of one process; SQLite serialises writers across processes.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise ValueError(f"{self.path} is not a usable embedding cache ({exc}); delete it to start afresh") from exc

    def get_many(self, fingerprint: str, texts: Sequence[str], *, dimension: int) -> list[np.ndarray | None]:
        """The cached vector of each text, or ``None`` where it is missing (or of another size)."""
        keys = [text_sha256(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):  # stay under SQLite's bound-variable limit
                part = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT text_sha256, dimension, vector FROM embeddings "
                    f"WHERE fingerprint = ? AND text_sha256 IN ({','.join('?' * len(part))})",
                    (fingerprint, *part),
                ).fetchall()
                for key, dim, blob in rows:
                    if dim == dimension and len(blob) == dimension * _VECTOR_DTYPE.itemsize:
                        found[key] = np.frombuffer(blob, dtype=_VECTOR_DTYPE).astype(np.float32)
        return [found.get(key) for key in keys]

    def put_many(self, fingerprint: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per text (rows of a 2-D float array)."""
        array = np.asarray(vectors)
        if array.ndim != 2 or array.shape[0] != len(texts):
            raise ValueError(f"expected {len(texts)} vectors as a 2-D array, got shape {array.shape}")
        if not np.issubdtype(array.dtype, np.floating):
            raise TypeError(f"vectors must be floating point, got {array.dtype}")
        rows = [
            (fingerprint, text_sha256(t), array.shape[1], np.ascontiguousarray(v, dtype=_VECTOR_DTYPE).tobytes())
            for t, v in zip(texts, array)
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)
            self._db.commit()

    def count(self, fingerprint: str | None = None) -> int:
        with self._lock:
            if fingerprint is None:
                return self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
            return self._db.execute(
                "SELECT COUNT(*) FROM embeddings WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encode_documents_cached(
    embeddings, texts: Sequence[str], cache: EmbeddingCache | None, *, batch_size: int = 32, progress: bool = False,
    what: str = "chunks",
) -> tuple[np.ndarray, int]:
    """Document vectors for ``texts``, embedding only those the cache lacks.

    Returns ``(vectors, computed)`` where ``computed`` counts the texts actually embedded.
    New vectors are written to the cache batch by batch, so an interrupted build keeps its work.
    """
    from tqdm.auto import tqdm

    dimension = embeddings.dimension
    key = embeddings.cache_key
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    cached = cache.get_many(key, texts, dimension=dimension) if cache else [None] * len(texts)
    # Shortest first: a batch pads to its longest text, so similar lengths waste the least work.
    missing = sorted((i for i, vector in enumerate(cached) if vector is None), key=lambda i: len(texts[i]))
    for i, vector in enumerate(cached):
        if vector is not None:
            out[i] = vector
    with tqdm(total=len(missing), desc=f"Embedding {what}", unit=what.split()[-1].rstrip("s"), disable=not progress or not missing) as bar:
        for start in range(0, len(missing), batch_size):
            rows = missing[start : start + batch_size]
            batch = [texts[i] for i in rows]
            vectors = embeddings.encode_documents(batch)
            if cache is not None:
                cache.put_many(key, batch, vectors)
            out[rows] = vectors
            bar.update(len(rows))
    return out, len(missing)
