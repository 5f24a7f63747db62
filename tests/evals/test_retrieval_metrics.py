from __future__ import annotations

import math

import pytest

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
    required_overlap,
    retrieval_scores,
    shares_span,
)

QUOTE = "推动绿色低碳发展，加快构建清洁低碳安全高效的能源体系，积极稳妥推进碳达峰碳中和"  # 39 characters


def test_required_overlap_is_twenty_or_sixty_percent_of_short_quotes() -> None:
    assert required_overlap(QUOTE) == 20
    assert required_overlap("碳达峰碳中和") == math.ceil(0.6 * 6)
    assert required_overlap("推动绿色低碳发展，加快构建清洁低碳") == math.ceil(0.6 * 17)


def test_relevant_when_a_long_enough_span_is_shared_despite_line_breaks() -> None:
    passage = Passage("doc1", "报告提出：推动绿色低碳\n发展，加快构建清洁低碳安全高效的能源体系。此外……")
    assert is_relevant(passage, Evidence("doc1", QUOTE))


def test_a_chunk_holding_only_part_of_the_quote_still_counts_if_twenty_chars_overlap() -> None:
    half = Passage("doc1", "……加快构建清洁低碳安全高效的能源体系。并且")  # 17 chars of the quote
    more = Passage("doc1", "低碳发展，加快构建清洁低碳安全高效的能源体系")  # 22 chars
    assert not is_relevant(half, Evidence("doc1", QUOTE))
    assert is_relevant(more, Evidence("doc1", QUOTE))


def test_a_span_wholly_inside_the_quote_counts_though_shorter_than_the_floor() -> None:
    # A cited list item is 13-18 characters of a 25-51 character quote (dev zh-017, zh-020).
    quote = Evidence("doc1", "第一，增强数字基建保障能力。持续深化共建“一带一路”互联互通架构")
    assert is_relevant(Passage("doc1", "第一，增强数字基建\n保障能力。"), quote)
    assert not is_relevant(Passage("doc1", "第一，增强数字基建保障能力。此外"), quote)  # 14 shared, 19 needed
    assert not is_relevant(Passage("doc1", "增强数字基建"), quote)  # too short to be more than a phrase
    assert not is_relevant(Passage("doc2", "第一，增强数字基建保障能力。"), quote)


def test_wrong_document_is_never_relevant() -> None:
    assert not is_relevant(Passage("doc2", QUOTE), Evidence("doc1", QUOTE))


def test_shares_span_handles_width_and_case() -> None:
    assert shares_span("THE ＧＲＥＥＮ economy", "the green economy", 15)
    assert not shares_span("short", "a much longer quote", 30)


def _matrix(*rows: str) -> list[list[bool]]:
    return [[c == "1" for c in row] for row in rows]


def test_recall_mrr_hit_on_a_hand_made_ranking() -> None:
    # Two quotes; rank 2 matches quote 0, rank 4 matches quote 1.
    m = _matrix("00", "10", "00", "01", "00")
    assert recall_at_k(m, 1) == 0.0
    assert recall_at_k(m, 3) == 0.5
    assert recall_at_k(m, 5) == 1.0
    assert hit_at_k(m, 1) == 0.0 and hit_at_k(m, 2) == 1.0
    assert mrr_at_k(m, 10) == 0.5
    assert mrr_at_k(m, 1) == 0.0


def test_ndcg_is_one_for_an_ideal_ranking_and_lower_otherwise() -> None:
    assert ndcg_at_k(_matrix("10", "01", "00"), 10) == pytest.approx(1.0)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(_matrix("00", "10", "00", "01"), 10) == pytest.approx(expected)
    assert ndcg_at_k(_matrix("00", "00"), 10) == 0.0


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        recall_at_k(_matrix("1"), 0)


def test_doc_coverage_counts_reports_with_a_relevant_passage() -> None:
    evidence = [Evidence("a", QUOTE), Evidence("b", "金融支持实体经济高质量发展的重要举措和具体路径")]
    passages = [Passage("a", QUOTE), Passage("b", "完全无关的一段文字，讲的是别的事情而已")]
    assert doc_coverage_at_k(passages, evidence, 10) == 0.5
    assert doc_coverage_at_k(passages + [Passage("b", evidence[1].quote)], evidence, 10) == 1.0
    assert doc_coverage_at_k(passages + [Passage("b", evidence[1].quote)], evidence, 2) == 0.5


def test_retrieval_scores_keys_and_multi_doc_coverage() -> None:
    single = retrieval_scores([Passage("a", QUOTE)], [Evidence("a", QUOTE)])
    assert single["recall@1"] == 1.0 and single["mrr@10"] == 1.0
    assert "doc_coverage@10" not in single
    multi = retrieval_scores([Passage("a", QUOTE)], [Evidence("a", QUOTE), Evidence("b", QUOTE)])
    assert multi["doc_coverage@10"] == 0.5
    assert relevance_matrix([], [Evidence("a", QUOTE)]) == []
    assert retrieval_scores([], [Evidence("a", QUOTE)])["recall@10"] == 0.0
