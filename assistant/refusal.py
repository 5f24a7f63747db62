"""When to refuse: retrieval too weak to answer from, or the model said the passages lack it."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer import Answer, Language
from assistant.labels import labels_for
from assistant.prompt import is_refusal
from index.search_result import SearchResult


class RefusalPolicy:
    """Args:
    refuse_below: the best dense cosine similarity under which retrieval counts as weak
        (calibrated on the dev set, see benchmarks/answer_benchmark.py).
    """

    def __init__(self, *, refuse_below: float = 0.3):
        if not -1.0 <= refuse_below <= 1.0:
            raise ValueError(f"refuse_below is a cosine similarity in [-1, 1], got {refuse_below}")
        self.refuse_below = refuse_below

    def config(self) -> dict[str, float]:
        return {"refuse_below": self.refuse_below}

    @staticmethod
    def best_dense(results: Sequence[SearchResult]) -> float | None:
        scores = [r.scores["dense"] for r in results if "dense" in r.scores]
        return max(scores) if scores else None

    def retrieval_is_weak(self, results: Sequence[SearchResult]) -> bool:
        """No results, or none whose dense similarity reaches ``refuse_below``. Results without a
        dense score (lexical-only retrievers) are judged by the model instead."""
        if not results:
            return True
        best = self.best_dense(results)
        return best is not None and best < self.refuse_below

    @staticmethod
    def model_refused(text: str) -> bool:
        return is_refusal(text)

    @staticmethod
    def refusal(
        *,
        question: str,
        standalone_question: str,
        language: Language,
        related: Sequence[SearchResult],
        weak_retrieval: bool,
        backend: str,
    ) -> Answer:
        """The refusal answer in ``language``, with the closest passages as related reading."""
        labels = labels_for(language)
        return Answer(
            question=question,
            language=language,
            standalone_question=standalone_question,
            answer=labels.weak_retrieval if weak_retrieval else labels.refusal,
            refused=True,
            passages=list(related),
            backend=backend,
        )
