"""The gate's value test: the unit that best answers must state the value asked for
(sentences from data/reports/001, the COVID-19 digital economy report)."""

from __future__ import annotations

from assistant.answer import Evidence
from assistant.answer_state import AnswerState
from assistant.stages import RefusalGate
from index.search_result import SearchResult
from ingest.document import Chunk
from ingest.evidence_units import EvidenceUnit

STIMULUS = "2020年3月，G20应对新冠疫情召开特别峰会，承诺将启动价值5万亿美元的振兴经济计划，特别是努力加强对数字技术的国际合作。"
COMMITMENTS = "从 2016 年到 2019 年，G20 对数字经济做出了 28 项集体性、具有政治约束力、面向未来的核心承诺。"
QUESTION = "How much of the G20's $5 trillion stimulus package was earmarked for digital technology cooperation?"


def state(*units: tuple[str, float]) -> AnswerState:
    text = "".join(t for t, _ in units)
    chunk = Chunk("001:0", "001", "新冠疫情报告", "", text, 0, len(text))
    evidence, start = [], 0
    for n, (t, score) in enumerate(units, start=1):
        unit = EvidenceUnit(f"001:{start}-{start + len(t)}", "001", start, start + len(t), t, "sentence")
        evidence.append(Evidence(n=n, unit=unit, doc_title="新冠疫情报告", page=None, score=score, cosine=0.6))
        start += len(t)
    return AnswerState(question=QUESTION, language="en", standalone=QUESTION,
                       results=[SearchResult(chunk, 0.9, 1, {"dense": 0.6})], evidence=evidence)


def gate(**config) -> RefusalGate:
    return RefusalGate(RefusalGate.Config(min_unit_cosine=-1.0, min_unit_cosine_cross_lingual=-1.0, **config))


def test_a_figure_in_a_weaker_unit_does_not_answer_for_the_best_one():
    # the best unit's only amount is the one the question gives; its other numbers are a date
    assert gate().run(state((STIMULUS, 0.8), (COMMITMENTS, 0.6))).refusal == "no_evidence"
    # any selected unit counted before: the weaker unit's "28 项" let the question through
    assert gate(value_in_best_unit=False).run(state((STIMULUS, 0.8), (COMMITMENTS, 0.6))).refusal is None


def test_the_best_unit_stating_a_figure_answers():
    assert gate().run(state((COMMITMENTS, 0.8), (STIMULUS, 0.6))).refusal is None
