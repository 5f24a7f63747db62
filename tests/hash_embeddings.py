"""A tiny deterministic embedder shared by the test packages (tests/ is on sys.path).

``HashEmbeddings`` is good enough to test index mechanics (vectors, caching, updates, crashes)
and nothing else: it says nothing about retrieval quality.
"""

from __future__ import annotations

import zlib

import numpy as np

from index.embeddings.base import VectorEmbeddings


class EmbedderCrashed(RuntimeError):
    pass


class HashEmbeddings(VectorEmbeddings):
    """Character-bigram counts hashed into ``dimension`` buckets (CRC32: stable across runs)."""

    def __init__(self, *, dimension: int = 64, name: str = "hash-test", fingerprint: str = "f" * 64,
                 fail_after: int | None = None):
        super().__init__(name=name, fingerprint=fingerprint)
        self._dimension = dimension
        self.fail_after = fail_after
        self.embedded: list[str] = []  # every document text embedded, in order

    @property
    def dimension(self) -> int:
        return self._dimension

    def _vectors(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float64)
        for row, text in enumerate(texts):
            padded = f"^{text}$"
            for a, b in zip(padded, padded[1:]):
                out[row, zlib.crc32((a + b).encode()) % self._dimension] += 1.0
        return out

    def _encode_documents(self, texts: list[str]) -> np.ndarray:
        if self.fail_after is not None and len(self.embedded) + len(texts) > self.fail_after:
            raise EmbedderCrashed(f"simulated crash after {len(self.embedded)} chunks")
        self.embedded.extend(texts)
        return self._vectors(texts)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)


class Int8HashEmbeddings(HashEmbeddings):
    """The same weights (fingerprint) run by another backend: other vectors."""

    backend = "onnx"
    quantization = "qint8"
