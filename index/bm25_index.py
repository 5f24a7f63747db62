"""Keyword search (BM25, via ``bm25s``) over chunk texts; results are chunk positions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import bm25s
import numpy as np

Tokenizer = Callable[[str], list[str]]

# Okapi's usual values (bm25s's defaults), declared here because the Milvus store must set the
# same ones: a Milvus server's own default k1 is 1.2, Milvus Lite's 1.5.
K1, B = 1.5, 0.75


class BM25Index:
    """Okapi BM25 (Lucene variant, ``K1``, ``B``) over tokenised texts:
    ``idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))`` times ``tf / (tf + K1 (1 - B + B dl / avgdl))``.

    Documents are addressed by their position in the list given to :meth:`build`. BM25's
    statistics are global (document frequencies, average length), so the index is rebuilt,
    never patched, when the library changes; that takes well under a second for thousands of
    chunks. Saved with bm25s's own format: ``.npy`` arrays (``allow_pickle=False``) and JSON.
    """

    def __init__(self, bm25: bm25s.BM25 | None, size: int, *, tokenizer: Tokenizer):
        self._bm25 = bm25
        self._size = size
        self.tokenizer = tokenizer

    def __len__(self) -> int:
        return self._size

    @classmethod
    def build(cls, texts: Sequence[str], *, tokenizer: Tokenizer) -> BM25Index:
        corpus_tokens = [tokenizer(t) for t in texts]
        if not any(corpus_tokens):
            return cls(None, len(texts), tokenizer=tokenizer)  # nothing to match: all scores are 0
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
        bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        bm25.index(corpus_tokens, show_progress=False)
        return cls(bm25, len(texts), tokenizer=tokenizer)

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every document for ``query`` (zeros when no query word is known)."""
        out = np.zeros(self._size, dtype=np.float32)
        if self._bm25 is None:
            return out
        token_ids = self._bm25.get_tokens_ids(self.tokenizer(query))
        if not token_ids:
            return out
        return np.asarray(self._bm25.get_scores_from_ids(token_ids), dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ``(scores, positions)`` with a positive score, best first."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        scores = self.scores(query)
        positive = np.flatnonzero(scores > 0)
        # Stable sort on -score: ties keep position order, so results are reproducible.
        order = positive[np.argsort(-scores[positive], kind="stable")][:k]
        return scores[order], order

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "size.txt").write_text(str(self._size), encoding="ascii")
        if self._bm25 is not None:
            self._bm25.save(directory, allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, directory: str | Path, *, tokenizer: Tokenizer) -> BM25Index:
        directory = Path(directory)
        size = int((directory / "size.txt").read_text(encoding="ascii"))
        if not (directory / "params.index.json").is_file():
            return cls(None, size, tokenizer=tokenizer)
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25.load(directory, allow_pickle=False, load_corpus=False, show_progress=False)
        if bm25.scores["num_docs"] != size:
            raise ValueError(f"{directory} holds {bm25.scores['num_docs']} documents, expected {size}")
        return cls(bm25, size, tokenizer=tokenizer)
