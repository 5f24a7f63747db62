"""Citation metrics: are the cited passages the evidence, and is the evidence cited?"""

from __future__ import annotations

from collections.abc import Sequence

from evals.metrics.retrieval import Evidence, Passage, is_relevant


def citation_precision(cited: Sequence[Passage], evidence: Sequence[Evidence]) -> float | None:
    """Share of cited passages that overlap some gold evidence quote.

    ``None`` when nothing is cited: precision is undefined there, and the missing citation is
    counted by ``citation_recall`` and ``has_citation`` instead.
    """
    if not cited:
        return None
    return sum(any(is_relevant(p, e) for e in evidence) for p in cited) / len(cited)


def citation_recall(cited: Sequence[Passage], evidence: Sequence[Evidence]) -> float:
    """Share of gold evidence quotes overlapped by at least one cited passage."""
    if not evidence:
        raise ValueError("citation_recall needs at least one evidence quote")
    return sum(any(is_relevant(p, e) for p in cited) for e in evidence) / len(evidence)


def has_citation(cited: Sequence[Passage]) -> float:
    """1.0 when the answer cites at least one passage."""
    return 1.0 if cited else 0.0
