from __future__ import annotations

import pytest

from assistant.context_budget import ContextBudget, estimate_tokens
from assistant_test_doubles import make_result
from ingest.document import Chunk

SENTENCES = [f"第{i}句讲的是无关的背景内容和一些细节。" for i in range(1, 9)]
SENTENCES[5] = "韩国发布数字新政计划投资58万亿韩元。"
TEXT = "".join(SENTENCES)
PREFIX = "前文" * 10
CHUNK = Chunk("c1", "d", "报告", "一", TEXT, len(PREFIX), len(PREFIX) + len(TEXT))


def test_trim_keeps_whole_sentences_around_the_best_match_not_the_head():
    budget = ContextBudget(passage_chars=60)
    [p] = budget.select("韩国的数字新政投资多少？", [make_result(CHUNK)])
    assert "58万亿韩元" in p.text
    assert len(p.text) <= 60
    assert not p.text.startswith("第1句")
    # Offsets point into the document: the chunk starts after PREFIX.
    assert (PREFIX + TEXT)[p.start : p.end] == p.text
    assert p.trimmed_head  # grown towards the better-matching side (here: reading on)


def test_short_chunk_is_kept_whole():
    budget = ContextBudget(passage_chars=len(TEXT))
    [p] = budget.select("韩国", [make_result(CHUNK)])
    assert p.text == TEXT and not p.trimmed_head and not p.trimmed_tail


def test_number_of_passages_is_a_setting():
    results = [make_result(CHUNK, rank=r) for r in range(1, 7)]
    assert [p.n for p in ContextBudget(passages=3).select("韩国", results)] == [1, 2, 3]


def test_passages_far_below_the_best_score_are_left_out():
    scores = [0.62, 0.57, 0.45, 0.60, 0.30]
    results = [make_result(CHUNK, rank=r, dense=d) for r, d in enumerate(scores, start=1)]
    kept = ContextBudget(passages=5, max_score_gap=0.1).select("韩国", results)
    assert [p.result.scores["dense"] for p in kept] == [0.62, 0.57, 0.60]
    assert [p.n for p in kept] == [1, 2, 3]  # renumbered: the prompt's [n] has no gaps
    assert len(ContextBudget(passages=5).select("韩国", results)) == 5


def test_lowest_ranked_passages_are_dropped_to_fit_the_window():
    long_text = "数字经济合作不断深化。" * 60  # 600 characters
    chunk = Chunk("c", "d", "报告", "", long_text, 0, len(long_text))
    results = [make_result(chunk, rank=r) for r in range(1, 6)]
    budget = ContextBudget(passages=5, passage_chars=600, context_window=1200, max_answer_tokens=300)
    chosen = budget.select("数字经济", results)
    used = sum(estimate_tokens(p.text) for p in chosen)
    assert 1 <= len(chosen) < 5
    assert used <= budget.passage_token_budget("数字经济")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"passages": 0}, "passages must be at least 1"),
        ({"context_window": 500, "max_answer_tokens": 400}, "leaves no room"),
        ({"passage_chars": 5}, "passage_chars"),
        ({"max_score_gap": -0.1}, "max_score_gap"),
    ],
)
def test_invalid_budget_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ContextBudget(**kwargs)
