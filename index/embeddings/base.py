"""The embedder interface the index relies on, on top of LangChain's ``Embeddings``."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.embeddings.query_batcher import QueryBatcher
from index.embeddings.query_batcher_config import QueryBatcherConfig


QUERY_CACHE_SIZE = 256

NATIVE_BACKENDS = frozenset({"torch", "numpy"})  # the published weights, run by their own library


class VectorEmbeddings(Embeddings, ABC):
    """LangChain ``Embeddings`` plus what an index needs to trust the vectors it stores.

    ``name`` and ``fingerprint`` (sha256 of the weights) identify the model in the manifest and
    in the embedding cache; ``encode_documents``/``encode_query`` return L2-normalised float32
    numpy arrays, so inner product is cosine similarity. Subclasses implement
    ``_encode_documents``/``_encode_queries``; this class validates inputs and outputs.

    Queries of concurrent callers are encoded together (:class:`QueryBatcher`) while
    ``batch_queries`` is true, within the bounds set by :meth:`configure_query_batching`. ``backend`` and ``quantization`` say how the weights run (the same
    weights give other vectors through another backend); both are recorded in the manifest and
    key the embedding cache.
    """

    batch_queries: bool = True
    backend: str = "torch"
    quantization: str = "fp32"

    def __init__(self, *, name: str, fingerprint: str):
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string (the model name recorded in the index)")
        if not isinstance(fingerprint, str) or not fingerprint.strip():
            raise ValueError("fingerprint must be a non-empty string (sha256 of the model weights)")
        self.name = name
        self.fingerprint = fingerprint
        # The retriever and the evidence selector embed the same question: remember recent ones.
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()
        self._query_batcher = QueryBatcher(self._encode_query_batch)

    def configure_query_batching(self, config: QueryBatcherConfig) -> None:
        """Batch concurrent queries within these bounds (before the first query is encoded)."""
        self._query_batcher.close()
        self._query_batcher = QueryBatcher(self._encode_query_batch, config=config)

    def _encode_query_batch(self, texts: list[str]) -> np.ndarray:
        return self._normalised(self._encode_queries(texts), len(texts))

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Length of every vector this embedder returns."""

    @abstractmethod
    def _encode_documents(self, texts: list[str]) -> np.ndarray:
        """Raw document vectors, shape ``(len(texts), dimension)``."""

    @abstractmethod
    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        """Raw query vectors, shape ``(len(texts), dimension)``."""

    def config(self) -> dict[str, Any]:
        """What identifies the vectors (recorded in the index manifest)."""
        return {"class": type(self).__name__, "name": self.name, "fingerprint": self.fingerprint,
                "backend": self.backend, "quantization": self.quantization}

    @property
    def cache_key(self) -> str:
        """Key of this embedder's vectors in the embedding cache: the fingerprint for weights run
        by their own library (so caches written before backends existed stay valid), prefixed
        with backend and quantization otherwise."""
        if self.backend in NATIVE_BACKENDS:
            return self.fingerprint
        return f"{self.backend}/{self.quantization}:{self.fingerprint}"

    # numpy API -------------------------------------------------------------------------------
    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        batch = _checked_texts(texts)
        if not batch:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._normalised(self._encode_documents(batch), len(batch))

    def encode_query(self, text: str) -> np.ndarray:
        """One unit-length float32 vector of shape ``(dimension,)``."""
        if not isinstance(text, str):
            raise TypeError(f"query must be a string, got {type(text).__name__}")
        with self._queries_lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached.copy()
        if self.batch_queries:
            vector = self._query_batcher(text)
        else:
            vector = self._normalised(self._encode_queries([text]), 1)[0]
        vector = np.array(vector, dtype=np.float32)
        vector.setflags(write=False)
        with self._queries_lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE_SIZE:
                self._queries.popitem(last=False)
        return vector.copy()

    # LangChain API -----------------------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()

    def _normalised(self, vectors: Any, count: int) -> np.ndarray:
        array = np.asarray(vectors, dtype=np.float32)
        if array.shape != (count, self.dimension):
            raise ValueError(
                f"{self.name} returned vectors of shape {array.shape}, expected ({count}, {self.dimension})"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{self.name} returned NaN or infinite values")
        norms = np.linalg.norm(array, axis=1, keepdims=True)
        if (norms == 0).any():
            raise ValueError(f"{self.name} returned an all-zero vector, which has no direction to compare")
        return np.ascontiguousarray(array / norms, dtype=np.float32)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, fingerprint={self.fingerprint[:12]!r})"


def _checked_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not one string")
    batch = list(texts)
    for i, text in enumerate(batch):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] must be a string, got {type(text).__name__}")
    return batch
