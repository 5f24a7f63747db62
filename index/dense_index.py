"""Exact inner-product search over unit vectors (cosine), with stable int64 ids."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Searches of at most this many queries run on the calling thread alone (see _one_thread_search;
# a server searches one question at a time, a benchmark many at once).
ONE_THREAD_QUERIES = 16


class DenseIndex:
    """FAISS ``IndexIDMap2(IndexFlatIP(d))``: exact search, add/remove by id, vectors readable back.

    A flat index is exact and, for a library of thousands of chunks, fast enough (well under a
    millisecond per query); the id map lets documents be replaced without renumbering the rest.
    With ``ivf_nlist`` the inner index is ``IndexIVFFlat`` (trained by the first ``add``), with
    ``hnsw_m`` ``IndexHNSWFlat``: approximate, for large libraries (see
    ``StoreConfig.approximate_above``). Both keep the vectors, so they stay readable, but cannot
    remove ids (snapshots are rewritten, never patched, so none is needed).
    Inputs are validated here rather than deep inside FAISS, where a wrong dtype or shape either
    crashes or silently returns garbage.
    """

    def __init__(self, dimension: int, *, hnsw_m: int | None = None, ef_construction: int = 80,
                 ef_search: int = 128, ivf_nlist: int | None = None, nprobe: int = 16):
        if not isinstance(dimension, int) or isinstance(dimension, bool) or dimension < 1:
            raise ValueError(f"dimension must be a positive integer, got {dimension!r}")
        if hnsw_m is not None and (not isinstance(hnsw_m, int) or hnsw_m < 2):
            raise ValueError(f"hnsw_m must be an integer >= 2, got {hnsw_m!r}")
        if ivf_nlist is not None and (not isinstance(ivf_nlist, int) or ivf_nlist < 1):
            raise ValueError(f"ivf_nlist must be a positive integer, got {ivf_nlist!r}")
        self.dimension = dimension
        self.ef_search = ef_search
        self.nprobe = nprobe
        if ivf_nlist is not None:
            inner = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, ivf_nlist, faiss.METRIC_INNER_PRODUCT)
            inner.nprobe = nprobe
        elif hnsw_m is None:
            inner = faiss.IndexFlatIP(dimension)
        else:
            inner = faiss.IndexHNSWFlat(dimension, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = ef_construction
            inner.hnsw.efSearch = ef_search
        self._index = faiss.IndexIDMap2(inner)

    @property
    def kind(self) -> str:
        inner = faiss.downcast_index(self._index.index)
        return "hnsw" if isinstance(inner, faiss.IndexHNSW) else "ivf" if isinstance(inner, faiss.IndexIVF) else "flat"

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def ids(self) -> np.ndarray:
        """The int64 ids stored, in storage order."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = self._checked_ids(ids)
        vectors = self._checked_vectors(vectors, "vectors")
        if len(ids) != len(vectors):
            raise ValueError(f"got {len(ids)} ids for {len(vectors)} vectors")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("ids must be unique")
        clash = np.intersect1d(ids, self.ids)
        if clash.size:
            raise ValueError(f"{clash.size} ids are already in the index (e.g. {int(clash[0])}); remove them first")
        if len(ids):
            if not self._index.is_trained:  # IVF: cluster the first vectors added
                inner = faiss.extract_index_ivf(self._index.index)
                if len(vectors) < inner.nlist:
                    raise ValueError(f"an IVF index of {inner.nlist} lists needs at least that many vectors "
                                     f"to train on, got {len(vectors)}")
                inner.train(vectors)
            self._index.add_with_ids(vectors, ids)
            if self.kind == "ivf":
                faiss.extract_index_ivf(self._index.index).make_direct_map()  # vectors readable by id

    def remove(self, ids: np.ndarray) -> int:
        """Remove ``ids`` (unknown ids are ignored); returns how many were removed."""
        ids = self._checked_ids(ids)
        if not len(ids):
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(ids)))

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (raises ``KeyError`` for an unknown id)."""
        ids = self._checked_ids(ids)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = []
        for i in ids.tolist():
            try:  # the id map's own lookup: building a set of every id cost 0.1 s per call at 1M
                rows.append(self._index.reconstruct(i))
            except RuntimeError:
                raise KeyError(f"id not in the index: {i}") from None
        return np.vstack(rows).astype(np.float32)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ``(scores, ids)`` per query row; rows are padded with ``-1`` ids when the
        index holds fewer than ``k`` vectors. A single ``(d,)`` query gives 1-D results."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        single = isinstance(queries, np.ndarray) and queries.ndim == 1
        matrix = self._checked_vectors(queries[None, :] if single else queries, "queries")
        if len(self) == 0 or len(matrix) == 0:
            scores = np.full((len(matrix), k), -np.inf, dtype=np.float32)
            found = np.full((len(matrix), k), -1, dtype=np.int64)
        elif len(matrix) <= ONE_THREAD_QUERIES:
            scores, found = _one_thread_search(self._index, matrix, k)
        else:
            scores, found = self._index.search(matrix, k)
        return (scores[0], found[0]) if single else (scores, found)

    def save(self, path: str | Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: str | Path, *, ef_search: int = 128, nprobe: int = 16) -> DenseIndex:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no dense index file at {path}")
        raw = faiss.read_index(str(path))
        if not isinstance(raw, faiss.IndexIDMap2) or raw.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError(f"{path} is not an id-mapped inner-product FAISS index")
        dense = cls(int(raw.d), ef_search=ef_search, nprobe=nprobe)
        dense._index = raw
        inner = faiss.downcast_index(raw.index)
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efSearch = ef_search  # not stored in the file
        elif isinstance(inner, faiss.IndexIVF):
            inner.nprobe = nprobe
        return dense

    def _checked_ids(self, ids: np.ndarray) -> np.ndarray:
        array = np.asarray(ids)
        if array.ndim != 1:
            raise ValueError(f"ids must be 1-D, got shape {array.shape}")
        if array.size and not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"ids must be integers, got {array.dtype}")
        return np.ascontiguousarray(array, dtype=np.int64)

    def _checked_vectors(self, vectors: np.ndarray, what: str) -> np.ndarray:
        if not isinstance(vectors, np.ndarray):
            raise TypeError(f"{what} must be a numpy array, got {type(vectors).__name__}")
        if vectors.dtype != np.float32:
            raise TypeError(f"{what} must be float32 (FAISS's type), got {vectors.dtype}; convert explicitly")
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise ValueError(f"{what} must have shape (n, {self.dimension}), got {vectors.shape}")
        if not np.isfinite(vectors).all():
            raise ValueError(f"{what} contain NaN or infinite values")
        # Inner product equals cosine only for unit vectors.
        if len(vectors) and not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3):
            raise ValueError(f"{what} must be L2-normalised (inner product is used as cosine similarity)")
        return np.ascontiguousarray(vectors)


def _one_thread_search(index: faiss.Index, matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Search a few queries on the calling thread alone. FAISS splits a search by query, so a
    team of OpenMP threads buys one query nothing, and on a busy machine it costs: one query of
    378 chunks took 20-58 ms with FAISS's 2 threads against 1.0 ms with one (2 cores, load
    average 13). The setting is per calling thread (and FAISS has its own OpenMP runtime), so it
    is put back for whatever else this thread runs."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return index.search(matrix, k)
    finally:
        faiss.omp_set_num_threads(before)
