"""The embedded store: a FAISS file and a bm25s folder inside the index folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.bm25_index import BM25Index
from index.dense_index import DenseIndex
from index.store_config import StoreConfig
from index.vector_store import Tokenizer


def _file_names(name: str) -> tuple[str, str]:
    # The chunk set keeps the names indexes have always had, so existing folders still load.
    return ("dense.faiss", "bm25") if name == "chunks" else (f"{name}.faiss", f"{name}-bm25")


class FaissStore:
    """``DenseIndex`` + ``BM25Index`` of one record set; BM25 addresses rows by storage order."""

    kind = "faiss"

    def __init__(self, dense: DenseIndex, bm25: BM25Index, ids: np.ndarray):
        if not (len(dense) == len(bm25) == len(ids)):
            raise ValueError(f"{len(dense)} vectors, {len(bm25)} BM25 rows and {len(ids)} ids")
        self._dense = dense
        self._bm25 = bm25
        self._ids = np.asarray(ids, dtype=np.int64)
        self._row_of = {int(v): i for i, v in enumerate(self._ids)}

    @classmethod
    def open(cls, index_dir: Path, name: str, *, ids: np.ndarray, tokenizer: Tokenizer,
             rebuild_keywords: Callable[[], list[str]] | None = None,
             config: StoreConfig | None = None) -> FaissStore:
        config = config or StoreConfig()
        dense_file, bm25_dir = _file_names(name)
        dense = DenseIndex.load(index_dir / dense_file, ef_search=config.hnsw_ef_search, nprobe=config.ivf_nprobe)
        if rebuild_keywords is not None:
            bm25 = BM25Index.build(rebuild_keywords(), tokenizer=tokenizer)
        else:
            bm25 = BM25Index.load(index_dir / bm25_dir, tokenizer=tokenizer)
        return cls(dense, bm25, ids)

    @property
    def dimension(self) -> int:
        return self._dense.dimension

    @property
    def tokenizer(self) -> Tokenizer:
        return self._bm25.tokenizer

    def __len__(self) -> int:
        return len(self._dense)

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, ids = self._dense.search(query_vector, k)
        keep = ids >= 0
        return scores[keep], ids[keep]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return self._dense.reconstruct(np.asarray(ids, dtype=np.int64))

    def keyword_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, rows = self._bm25.search(query, k)
        return scores, self._ids[rows]

    def keyword_scores(self, query: str, ids: np.ndarray) -> np.ndarray:
        rows = np.array([self._row_of[int(i)] for i in np.asarray(ids).tolist()], dtype=np.int64)
        return self._bm25.scores(query)[rows] if len(rows) else np.zeros(0, dtype=np.float32)

    def close(self) -> None:
        pass


class FaissWriter:
    """Writes a record set into the staging folder; the folder swap is what publishes it."""

    def __init__(self, config: StoreConfig, *, tokenizer: Tokenizer):
        self.config = config
        self.tokenizer = tokenizer

    def write(self, staged: Path, name: str, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str], *,
              progress: bool = False) -> dict[str, Any]:
        config = self.config
        dimension = vectors.shape[1]
        approximate = config.approximate if len(ids) > config.approximate_above else None
        dense = DenseIndex(dimension, hnsw_m=config.hnsw_m if approximate == "hnsw" else None,
                           ef_construction=config.hnsw_ef_construction, ef_search=config.hnsw_ef_search,
                           ivf_nlist=config.ivf_lists(len(ids)) if approximate == "ivf" else None,
                           nprobe=config.ivf_nprobe)
        if len(ids):
            dense.add(np.asarray(ids, dtype=np.int64), vectors.astype(np.float32))
        dense_file, bm25_dir = _file_names(name)
        dense.save(staged / dense_file)
        BM25Index.build(list(texts), tokenizer=self.tokenizer).save(staged / bm25_dir)
        return {}  # the folder is the snapshot: nothing to record (manifests stay as they were)

    def publish(self, record: dict[str, Any]) -> None:
        pass

    def discard(self, record: dict[str, Any]) -> None:
        pass  # the staging folder is deleted by the caller
