"""Test doubles for the index tests: a tiny deterministic embedder and a small library.

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


REPORTS = {
    "alpha": "# 数字经济\n\n数字经济是以数据资源为关键要素的经济形态。2023年数字经济规模达到53.9万亿元。\n\n"
             "## 数字基础设施\n\n5G基站数量超过337万个，覆盖所有地级市。千兆光网具备覆盖超过5亿户家庭的能力。"
             "数据中心机架总规模持续增长，算力总规模位居世界第二。\n\n"
             "## 数字贸易\n\n跨境电商进出口额保持增长，丝路电商合作伙伴国增加到30个。",
    "beta": "# Green Finance\n\nGreen bonds financed renewable energy projects in 2022.\n\n"
            "## Carbon markets\n\nThe national carbon market covers the power sector first.",
    "gamma": "# 人工智能\n\n人工智能治理需要国际合作。各国应共同制定人工智能伦理规范。\n\n"
             "## 算力\n\n算力是人工智能发展的基础，智能算力规模快速增长。",
}
