"""Per-item scores: one question's record (what the assistant did) judged against its suite item.

A score is present only where it is defined: retrieval and citation scores need gold evidence,
``refusal`` is measured on unanswerable items and ``false_refusal`` on answerable ones. The
summary averages each metric over the items that have it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.metrics.answers import key_fact_recall, language_match, rouge_l, token_f1
from evals.metrics.citations import citation_precision, citation_recall, has_citation
from evals.metrics.retrieval import Passage, retrieval_scores
from evals.suite import SuiteItem
from ingest.language import has_chinese

RETRIEVAL_KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class MetricInfo:
    label: str
    family: str
    higher_is_better: bool = True


METRICS: dict[str, MetricInfo] = {
    **{f"recall@{k}": MetricInfo(f"Recall@{k}", "retrieval") for k in RETRIEVAL_KS},
    **{f"hit@{k}": MetricInfo(f"Hit@{k} (any evidence in top {k})", "retrieval") for k in RETRIEVAL_KS},
    "mrr@10": MetricInfo("MRR@10", "retrieval"),
    "ndcg@10": MetricInfo("nDCG@10", "retrieval"),
    "doc_coverage@10": MetricInfo("Report coverage@10 (multi-report)", "retrieval"),
    "key_fact_recall": MetricInfo("Key-fact recall", "answer"),
    "token_f1": MetricInfo("Token F1", "answer"),
    "rouge_l": MetricInfo("ROUGE-L", "answer"),
    "language_match": MetricInfo("Language match", "answer"),
    "english_without_chinese": MetricInfo("English answers without Chinese sentences", "answer"),
    "english_lead": MetricInfo("English answers opening in English", "answer"),
    "citation_precision": MetricInfo("Citation precision", "citations"),
    "citation_recall": MetricInfo("Citation recall", "citations"),
    "span_citation_precision": MetricInfo("Span citation precision", "citations"),
    "span_citation_recall": MetricInfo("Span citation recall", "citations"),
    "has_citation": MetricInfo("Answers with a citation", "citations"),
    "refusal": MetricInfo("Refusal rate (unanswerable)", "refusals"),
    "false_refusal": MetricInfo("False-refusal rate (answerable)", "refusals", higher_is_better=False),
}


def passages_of(entries: Sequence[Mapping[str, Any]]) -> list[Passage]:
    return [Passage(doc_id=e["doc_id"], text=e["text"]) for e in entries]


def score_item(item: SuiteItem, record: Mapping[str, Any]) -> dict[str, float]:
    """Every metric defined for ``item`` given the assistant's ``record`` (see ``SuiteRunner``)."""
    answer: str = record["answer"]
    refused = bool(record["refused"])
    cited = passages_of(record["citations"])
    scores: dict[str, float] = {"language_match": language_match(answer, item.lang)}
    if item.lang == "en" and not refused:
        # Any run of three or more Chinese characters counts, quoted or not.
        scores["english_without_chinese"] = float(not has_chinese(answer))
        first = (record.get("claims") or [{"text": answer.split("\n")[0]}])[0]["text"]
        scores["english_lead"] = float(not has_chinese(first))
    if not item.answerable:
        scores["refusal"] = float(refused)
        return scores
    scores["false_refusal"] = float(refused)
    # Draft items (see SuiteItem.draft) may lack some gold: only what it supports is scored.
    if item.key_facts:
        scores["key_fact_recall"] = key_fact_recall(answer, item.key_facts)
    if item.answer.strip():
        scores["token_f1"] = token_f1(answer, item.answer)
        scores["rouge_l"] = rouge_l(answer, item.answer)
    scores["has_citation"] = has_citation(cited)
    if not item.evidence:
        return scores
    scores.update(retrieval_scores(passages_of(record["retrieved"]), item.evidence, RETRIEVAL_KS))
    precision = citation_precision(cited, item.evidence)
    if precision is not None:
        scores["citation_precision"] = precision
    scores["citation_recall"] = citation_recall(cited, item.evidence)
    # Span level: the words a citation carries (what the UI highlights), not its whole passage.
    spans = [Passage(doc_id=e["doc_id"], text=e.get("span", e["text"])) for e in record["citations"]]
    span_precision = citation_precision(spans, item.evidence)
    if span_precision is not None:
        scores["span_citation_precision"] = span_precision
    scores["span_citation_recall"] = citation_recall(spans, item.evidence)
    return scores
