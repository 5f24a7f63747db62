"""End to end: the real library, the real embedder, Chinese and English questions."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

# (question, report that answers it, words of the answering passage). English questions
# must find Chinese passages: that is what the dense, cross-lingual half of retrieval is for.
CASES = [
    ("疫情期间方舱医院怎样利用5G技术进行远程会诊？", "000_be7b19c0fddba15e", "远程会诊系统"),
    ("“新基建”在短期内对经济有什么作用？", "000_be7b19c0fddba15e", "短期而言，“新基建”能快速扩大投资"),
    ("截至2020年6月，全球已建成多少个5G基站？", "001_a71dc65f29895d41", "70万个5G基站"),
    ("How did artificial intelligence help doctors diagnose COVID-19 patients from CT scans?",
     "000_be7b19c0fddba15e", "CT检查后即可完成病情判定"),
    ("How many 5G base stations had been built worldwide by June 2020?", "001_a71dc65f29895d41", "70万个5G基站"),
    ("What were the internet penetration rates of developed countries in 2019?",
     "001_a71dc65f29895d41", "发达国家互联网普及率高达86.6%"),
]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(("question", "doc_id", "passage"), CASES, ids=[c[0][:24] for c in CASES])
def test_supporting_passage_is_in_the_top_5(built_index, question, doc_id, passage):
    results = built_index.retriever.retrieve(question, k=5)
    found = [r for r in results if r.chunk.doc_id == doc_id and squash(passage) in squash(r.chunk.text)]
    assert found, f"{question!r}: top 5 were " + "; ".join(
        f"{r.chunk.doc_id} {squash(r.chunk.text)[:40]}" for r in results)


def test_results_carry_cosine_bm25_and_fused_scores(built_index):
    results = built_index.retriever.retrieve("数字鸿沟", k=5)
    assert [r.rank for r in results] == [1, 2, 3, 4, 5]
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    for r in results:
        assert set(r.scores) == {"dense", "bm25", "fused"}
        assert 0.0 < r.scores["dense"] <= 1.0 and r.scores["bm25"] >= 0.0
        text = built_index.index.document_text(r.chunk.doc_id)
        assert text[r.chunk.start:r.chunk.end] == r.chunk.text
