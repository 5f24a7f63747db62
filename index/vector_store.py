"""The boundary between the library index and where its vectors and keyword statistics live.

A store holds one *record set* per snapshot: int64 ids, unit vectors and the texts keyword
search runs over. The index names each set (``"chunks"`` today); another kind of record searched
over the whole library would be a second set under another name in the same snapshot. (Evidence
units are not one: they are scored only within retrieved chunks and stay in the snapshot folder.)

Writing is in three steps, so that a snapshot is replaced atomically: :meth:`StoreWriter.write`
(into the staging folder, or a new Milvus collection) returns a *record* that the manifest
keeps; after the index folder is swapped in, :meth:`StoreWriter.publish` makes it current (Milvus:
moves the alias); if anything fails before that, :meth:`StoreWriter.discard` removes what was
written and the previous snapshot stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.store_config import StoreConfig

Tokenizer = Callable[[str], list[str]]


class VectorStore(Protocol):
    """Read access to one record set of one snapshot. Ids are the ones given when written."""

    kind: str

    @property
    def dimension(self) -> int: ...

    def __len__(self) -> int: ...

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ``(cosines, ids)`` for a unit query vector, best first."""

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored unit vectors of ``ids`` (``KeyError`` for an unknown id)."""

    def keyword_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ``(bm25 scores, ids)`` with a positive score, best first."""

    def keyword_scores(self, query: str, ids: np.ndarray) -> np.ndarray:
        """BM25 score of each of ``ids`` (0 where no query word occurs)."""

    def close(self) -> None: ...


class StoreWriter(Protocol):
    def write(self, staged: Path, name: str, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str], *,
              progress: bool = False) -> dict[str, Any]: ...

    def publish(self, record: dict[str, Any]) -> None: ...

    def discard(self, record: dict[str, Any]) -> None: ...


def writer_for(config: StoreConfig, *, tokenizer: Tokenizer, index_dir: Path) -> StoreWriter:
    """The writer of a snapshot of the index in ``index_dir`` (whose readers' leases a Milvus
    writer respects when it drops old collections)."""
    if config.store == "milvus":
        from index.milvus_store import MilvusWriter
        from index.snapshot_leases import SnapshotLeases

        return MilvusWriter(config, leases=SnapshotLeases(index_dir))
    from index.faiss_store import FaissWriter

    return FaissWriter(config, tokenizer=tokenizer)


def open_store(index_dir: Path, record: dict[str, Any], name: str, *, ids: np.ndarray, tokenizer: Tokenizer,
               rebuild_keywords: Callable[[], list[str]] | None = None,
               config: StoreConfig | None = None, readers_of: Path | None = None) -> VectorStore:
    """The record set ``name`` of the snapshot in ``index_dir`` whose manifest holds ``record``
    (``{}``: the FAISS files of the folder). ``ids`` are the record ids in storage order (the
    chunk store's); ``rebuild_keywords`` gives the texts when the keyword index must be rebuilt
    in memory (FAISS store, tokenizer changed since the build); ``config`` supplies the Milvus
    token, which the manifest never records; ``readers_of``: the index folder whose readers'
    leases a Milvus snapshot is held under while the returned store lives (default ``index_dir``)."""
    kind = record.get("kind", "faiss")
    if kind == "milvus":
        from index.milvus_store import MilvusStore
        from index.snapshot_leases import SnapshotLeases

        return MilvusStore.open(record, name, config=config, leases=SnapshotLeases(readers_of or index_dir))
    if kind != "faiss":
        raise ValueError(f"unknown vector store {kind!r} in the manifest")
    from index.faiss_store import FaissStore

    return FaissStore.open(index_dir, name, ids=ids, tokenizer=tokenizer, rebuild_keywords=rebuild_keywords,
                           config=config)


def same_place(record: dict[str, Any], config: StoreConfig) -> bool:
    """Whether a snapshot written with ``record`` lives where ``config`` writes (no migration)."""
    if config.store == "faiss":
        return record.get("kind", "faiss") == "faiss"
    return (record.get("kind") == "milvus" and _same_uri(record.get("uri", ""), config.milvus_uri)
            and record.get("alias") == config.milvus_collection)


def _same_uri(a: str, b: str) -> bool:
    """Whether two Milvus URIs name the same Milvus: a Lite file by any path to it."""
    if a.endswith(".db") and b.endswith(".db"):
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    return a.rstrip("/") == b.rstrip("/")
