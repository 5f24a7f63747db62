"""Dense + BM25 retrieval fused by weighted reciprocal rank, with BM25 weighted by query language."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from index.base_retriever import SearchRetriever
from index.embeddings.base import VectorEmbeddings
from index.library_index import LibraryIndex
from index.search_result import SearchResult


def _detect_language(text: str) -> str:
    from ingest.language import detect_language

    return detect_language(text)


class HybridRetriever(SearchRetriever):
    """Weighted reciprocal-rank fusion of a dense (cross-lingual) and a BM25 (keyword) ranking.

    ``fused(chunk) = dense_weight / (rrf_k + dense_rank) + w_bm25(lang) / (rrf_k + bm25_rank)``
    where ``lang`` is the query's language. The library is Chinese, so BM25 over an English
    question matches only stray Latin words and its ranking is noise; plain RRF lets that noise
    push good dense hits out of the top 5. With ``bm25_weight_en=0`` (the default) English
    questions rank by dense similarity alone, while Chinese ones still get BM25's exact-term
    precision (names, numbers). A light Chinese weight (0.3, chosen on the dev set: see
    benchmarks/README.md) lifts exact-term hits to the top without letting BM25 outvote the
    dense ranking further down the top 5; weights of 0.7 and more lost recall. Every result carries ``scores``: ``dense`` (cosine, also for
    chunks found only by BM25, since refusal thresholds need it), ``bm25`` (raw) and ``fused``.
    """

    index: LibraryIndex
    embeddings: VectorEmbeddings
    candidates: int = Field(30, ge=1, le=1000, description="chunks taken from each ranking before fusion")
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, gt=0)
    bm25_weight_zh: float = Field(0.3, ge=0)
    bm25_weight_en: float = Field(0.0, ge=0)
    detect_language: Callable[[str], str] = Field(default=_detect_language, exclude=True)

    def bm25_weight(self, query: str) -> float:
        return self.bm25_weight_zh if self.detect_language(query) == "zh" else self.bm25_weight_en

    def _retrieve(self, query: str, k: int) -> list[SearchResult]:
        if len(self.index) == 0:
            return []
        depth = max(self.candidates, k)
        query_vector = self.embeddings.encode_query(query)
        dense_scores, dense_positions = self.index.dense_search(query_vector, depth)
        fused: dict[int, float] = {}
        cosine: dict[int, float] = {}
        for rank, (position, score) in enumerate(zip(dense_positions.tolist(), dense_scores.tolist()), start=1):
            fused[position] = self.dense_weight / (self.rrf_k + rank)
            cosine[position] = score

        weight = self.bm25_weight(query)
        bm25: dict[int, float] = {}
        if weight > 0:
            # Only chunks sharing a word with the query come back: no vote, not a low vote.
            scores, positions = self.index.bm25_search(query, depth)
            for rank, (position, score) in enumerate(zip(positions.tolist(), scores.tolist()), start=1):
                fused[position] = fused.get(position, 0.0) + weight / (self.rrf_k + rank)
                bm25[position] = score

        missing = [p for p in fused if p not in cosine]
        if missing:
            cosine.update(zip(missing, self.index.dense_scores(query_vector, missing).tolist()))
        # Ties (e.g. a chunk first in one list and absent from the other) go to the closer
        # vector, then to library order, so results are reproducible.
        best = sorted(fused, key=lambda p: (-fused[p], -cosine[p], p))[:k]
        unscored = [p for p in best if p not in bm25]  # reported even when BM25 had no vote
        if unscored:
            bm25.update(zip(unscored, self.index.bm25_scores(query, unscored).tolist()))
        return [
            SearchResult(
                chunk=self.index.chunks[p], score=fused[p], rank=0,
                scores={"dense": cosine[p], "bm25": float(bm25[p]), "fused": fused[p]},
            )
            for p in best
        ]
