"""Retrieve the chunks the evidence is selected from.

A follow-up (``state.context`` set by the resolver) continues the previous turn: the documents
that turn's question retrieves are a prior. The question's own ranking is re-scored by
reciprocal rank, plus a vote for chunks of those documents in proportion to their share of the
previous turn's top chunks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from langchain_core.retrievers import BaseRetriever

from assistant.answer_state import AnswerState
from assistant.stage import Stage
from index.search_result import SearchResult


class RetrievalStage(Stage):
    name = "retrieve"

    @dataclass(frozen=True)
    class Config:
        # Chunks whose units are candidates. The evidence of 95% (zh) / 97% (en) of the
        # independent questions is in the top 5 (issue 10's measurement); 8 adds list items
        # that spill into the next chunk at little cost (selection scores units, not chunks).
        passages: int = 8
        # Follow-ups: weight of the previous turn's documents against the question's own
        # reciprocal rank (1/(60 + rank)); 0 turns the prior off.
        prior_weight: float = 0.5
        # The previous turn's top chunks whose documents make the prior.
        prior_depth: int = 5
        # The question's own chunks re-ranked with the prior.
        prior_pool: int = 30

    _RRF_K = 60

    def __init__(self, retriever: BaseRetriever, config: Config | None = None):
        super().__init__(config)
        if not callable(getattr(retriever, "retrieve", None)):
            raise ValueError("retriever must provide retrieve(query, *, k) -> list[SearchResult]")
        cfg = self.config
        if cfg.passages < 1:
            raise ValueError(f"passages must be at least 1, got {cfg.passages}")
        if cfg.prior_weight < 0 or cfg.prior_depth < 1 or cfg.prior_pool < 1:
            raise ValueError("prior_weight must not be negative; prior_depth and prior_pool must be at least 1")
        self.retriever = retriever

    def run(self, state: AnswerState) -> AnswerState:
        query = state.standalone or state.question
        cfg = self.config
        if not state.context or cfg.prior_weight == 0:
            state.results = list(self.retriever.retrieve(query, k=cfg.passages))
            return state
        prior = self.document_prior(state.context)
        pool = self.retriever.retrieve(query, k=max(cfg.prior_pool, cfg.passages))
        score = {id(r): 1 / (self._RRF_K + rank) + cfg.prior_weight * prior.get(r.chunk.doc_id, 0.0) / (self._RRF_K + 1)
                 for rank, r in enumerate(pool, start=1)}
        ranked = sorted(pool, key=lambda r: -score[id(r)])[: cfg.passages]
        state.results = [SearchResult(chunk=r.chunk, score=r.score, rank=i, scores={**r.scores, "prior": score[id(r)]})
                         for i, r in enumerate(ranked, start=1)]
        return state

    def document_prior(self, context: str) -> dict[str, float]:
        """``doc_id -> share`` of the previous turn's top chunks."""
        top = self.retriever.retrieve(context, k=self.config.prior_depth)
        counts = Counter(r.chunk.doc_id for r in top)
        return {doc: n / len(top) for doc, n in counts.items()} if top else {}
