"""Retrieval metrics over ranked passages judged against gold evidence quotes.

Relevance rule (documented in evals/README.md): a passage is relevant to an evidence quote when
it comes from the quote's document and, after NFKC folding, lower-casing and removing all
whitespace, both share a common substring of at least ``min(20, ceil(0.6 * len(quote)))``
characters. Passages are chunks with overlap, so a quote may be split across two chunks; the
60 % floor keeps such a chunk relevant while a shared boiler-plate phrase is not. A passage lying
wholly inside the quote (at least ``MIN_CONTAINED_CHARS`` of it) is relevant too: a cited list
item ("第一，增强数字基建保障能力。") is evidence and nothing else, though shorter than the floor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evals.metrics.normalize import squash

MIN_OVERLAP_CHARS = 20
MIN_OVERLAP_SHARE = 0.6
# Dev: the cited list items wholly inside their quotes are 13-18 characters (zh-017, zh-020).
MIN_CONTAINED_CHARS = 10


@dataclass(frozen=True)
class Evidence:
    """A gold quote inside document ``doc``."""

    doc: str
    quote: str


@dataclass(frozen=True)
class Passage:
    """The part of a retrieved or cited passage the metrics need."""

    doc_id: str
    text: str


def required_overlap(quote: str) -> int:
    """Characters a passage must share with ``quote`` (squashed) to count as relevant."""
    length = len(squash(quote))
    return max(1, min(MIN_OVERLAP_CHARS, math.ceil(MIN_OVERLAP_SHARE * length)))


def shares_span(text: str, quote: str, min_chars: int) -> bool:
    """Whether squashed ``text`` and ``quote`` have a common substring of ``min_chars`` characters.

    Every common substring that long contains a window of exactly ``min_chars`` quote
    characters, so checking the windows is exact and runs in C (``str.__contains__``).
    """
    text_s, quote_s = squash(text), squash(quote)
    if min_chars <= 0 or len(quote_s) < min_chars:
        return False
    return any(quote_s[i : i + min_chars] in text_s for i in range(len(quote_s) - min_chars + 1))


def lies_within(text: str, quote: str) -> bool:
    """Whether squashed ``text``, at least ``MIN_CONTAINED_CHARS`` long, is part of ``quote``."""
    text_s = squash(text)
    return len(text_s) >= MIN_CONTAINED_CHARS and text_s in squash(quote)


def is_relevant(passage: Passage, evidence: Evidence) -> bool:
    """The relevance rule of this module's docstring."""
    return passage.doc_id == evidence.doc and (
        shares_span(passage.text, evidence.quote, required_overlap(evidence.quote))
        or lies_within(passage.text, evidence.quote)
    )


def relevance_matrix(passages: Sequence[Passage], evidence: Sequence[Evidence]) -> list[list[bool]]:
    """``matrix[i][j]``: passage ``i`` is relevant to evidence quote ``j``."""
    return [[is_relevant(p, e) for e in evidence] for p in passages]


def _first_relevant_rank(matrix: Sequence[Sequence[bool]]) -> int | None:
    for rank, row in enumerate(matrix, start=1):
        if any(row):
            return rank
    return None


def recall_at_k(matrix: Sequence[Sequence[bool]], k: int) -> float:
    """Share of evidence quotes matched by at least one of the top ``k`` passages."""
    _check_k(k)
    n_evidence = len(matrix[0]) if matrix else 0
    if n_evidence == 0:
        return 0.0
    top = matrix[:k]
    found = sum(any(row[j] for row in top) for j in range(n_evidence))
    return found / n_evidence


def hit_at_k(matrix: Sequence[Sequence[bool]], k: int) -> float:
    """1.0 when any of the top ``k`` passages is relevant."""
    _check_k(k)
    return 1.0 if any(any(row) for row in matrix[:k]) else 0.0


def mrr_at_k(matrix: Sequence[Sequence[bool]], k: int = 10) -> float:
    """Reciprocal rank of the first relevant passage within the top ``k`` (0 when none)."""
    _check_k(k)
    rank = _first_relevant_rank(matrix[:k])
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(matrix: Sequence[Sequence[bool]], k: int = 10) -> float:
    """Binary-gain nDCG@k: a passage gains 1 when relevant to any quote.

    The ideal ranking puts ``min(k, number of quotes)`` relevant passages first: with one
    passage per quote the system can do no better, and counting more would reward the
    near-duplicate overlapping chunks of the same quote.
    """
    _check_k(k)
    n_evidence = len(matrix[0]) if matrix else 0
    if n_evidence == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, row in enumerate(matrix[:k], start=1) if any(row))
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, n_evidence) + 1))
    return min(1.0, dcg / ideal)


def doc_coverage_at_k(
    passages: Sequence[Passage], evidence: Sequence[Evidence], k: int
) -> float:
    """Share of the reports holding gold evidence that appear among the top ``k`` passages.

    Judged on relevant passages, not doc ids alone: retrieving an unrelated chunk of the right
    report does not cover it.
    """
    _check_k(k)
    needed = {e.doc for e in evidence}
    if not needed:
        return 0.0
    covered = {
        e.doc for p in passages[:k] for e in evidence if is_relevant(p, e)
    }
    return len(covered & needed) / len(needed)


def retrieval_scores(
    passages: Sequence[Passage], evidence: Sequence[Evidence], ks: Sequence[int] = (1, 3, 5, 10)
) -> Mapping[str, float]:
    """All retrieval metrics of one question, keyed like the summary tables."""
    matrix = relevance_matrix(passages, evidence)
    scores: dict[str, float] = {f"recall@{k}": recall_at_k(matrix, k) for k in ks}
    scores.update({f"hit@{k}": hit_at_k(matrix, k) for k in ks})
    depth = max(ks)
    scores[f"mrr@{depth}"] = mrr_at_k(matrix, depth)
    scores[f"ndcg@{depth}"] = ndcg_at_k(matrix, depth)
    if len({e.doc for e in evidence}) > 1:
        scores[f"doc_coverage@{depth}"] = doc_coverage_at_k(passages, evidence, depth)
    return scores


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
