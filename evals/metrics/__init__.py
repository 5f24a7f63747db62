"""Evaluation metrics, one module per family; each is a small function over plain data."""

from evals.metrics.answers import key_fact_recall, language_match, rouge_l, token_f1, tokenize
from evals.metrics.bootstrap import Interval, bootstrap_mean, paired_bootstrap_delta
from evals.metrics.citations import citation_precision, citation_recall, has_citation
from evals.metrics.latency import latency_percentiles, percentile
from evals.metrics.normalize import contains_normalized, normalize_answer, squash
from evals.metrics.refusals import false_refusal_rate, refusal_rate
from evals.metrics.retrieval import (
    Evidence,
    Passage,
    doc_coverage_at_k,
    hit_at_k,
    is_relevant,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    relevance_matrix,
    retrieval_scores,
)

__all__ = [
    "Evidence", "Interval", "Passage", "bootstrap_mean", "citation_precision", "citation_recall",
    "contains_normalized", "doc_coverage_at_k", "false_refusal_rate", "has_citation", "hit_at_k",
    "is_relevant", "key_fact_recall", "language_match", "latency_percentiles", "mrr_at_k",
    "ndcg_at_k", "normalize_answer", "paired_bootstrap_delta", "percentile", "recall_at_k",
    "refusal_rate", "relevance_matrix", "retrieval_scores", "rouge_l", "squash", "token_f1",
    "tokenize",
]
