"""The refusal gate's cosine bars, on hand-made evidence (sentences from data/reports/003)."""

from __future__ import annotations

import pytest

from assistant.answer import Evidence
from assistant.answer_state import AnswerState
from assistant.stages.refusal_gate import RefusalGate
from index.search_result import SearchResult
from ingest.document import Chunk
from ingest.evidence_units import EvidenceUnit

CABLE = "中国电信牵头的中国—尼泊尔跨境互联网光缆于 2018年 1月正式开通，搭建起了中尼两国的“数字丝路”。"


def state(question: str, cosine: float, *, standalone: str = "") -> AnswerState:
    chunk = Chunk("003:0", "003", "“一带一路”数字经济合作的进展、挑战与应对", "", CABLE, 0, len(CABLE))
    unit = EvidenceUnit(f"003:0-{len(CABLE)}", "003", 0, len(CABLE), CABLE, "sentence")
    return AnswerState(question=question, language="zh", standalone=standalone or question,
                       results=[SearchResult(chunk, 0.9, 1, {"dense": 0.7})],
                       evidence=[Evidence(n=1, unit=unit, doc_title=chunk.doc_title, page=None, score=cosine,
                                          cosine=cosine)])


GATE = RefusalGate(RefusalGate.Config(min_unit_cosine=0.50, min_unit_cosine_open=0.575))


@pytest.mark.parametrize("cosine, refused", [(0.55, True), (0.60, False)])
def test_an_open_question_needs_the_open_bar(cosine, refused):
    # No value test can check "哪个单位", so the unit's closeness alone decides.
    result = GATE.run(state("中国电信在东南亚建设的海底光缆叫什么名字？", cosine))
    assert (result.refusal == "no_evidence") is refused


def test_a_question_a_value_test_checks_keeps_the_general_bar():
    # "何时" asks for a figure, which the unit states: 0.55 passes the general bar of 0.50.
    assert GATE.run(state("中国—尼泊尔跨境互联网光缆何时开通？", 0.55)).refusal is None
    assert GATE.run(state("中国—尼泊尔跨境互联网光缆何时开通？", 0.45)).refusal == "no_evidence"


def test_a_rewritten_follow_up_keeps_the_general_bar():
    asked = "它是哪家企业牵头的？"
    rewritten = state(asked, 0.55, standalone="中国—尼泊尔跨境互联网光缆，它是哪家企业牵头的？")
    assert GATE.run(rewritten).refusal is None
    assert GATE.run(state(asked, 0.55)).refusal == "no_evidence"


def test_the_open_bar_is_validated_as_a_cosine():
    with pytest.raises(ValueError, match="min_unit_cosine_open"):
        RefusalGate(RefusalGate.Config(min_unit_cosine_open=1.5))


@pytest.mark.parametrize("question, test, missing", [
    ("中国—尼泊尔跨境互联网光缆的投资额是多少美元？", "value", ("money",)),  # the unit dates it, no money
    ("2021年中国—尼泊尔跨境互联网光缆有什么新进展？", "year", ("2021",)),
    ("中国—尼泊尔跨境互联网光缆与Starlink有何关系？", "name", ("Starlink",)),
])
def test_the_refusal_records_which_test_failed_and_what_was_missing(question, test, missing):
    result = GATE.run(state(question, 0.60))
    assert result.refusal == "no_evidence"
    assert (result.refusal_detail.test, result.refusal_detail.missing) == (test, missing)


def test_a_refusal_for_closeness_records_the_best_cosine_and_its_bar():
    detail = GATE.run(state("中国电信在东南亚建设的海底光缆叫什么名字？", 0.55)).refusal_detail
    assert (detail.test, detail.best, detail.bar) == ("closeness", 0.55, 0.575)
    assert GATE.run(state("中国电信在东南亚建设的海底光缆叫什么名字？", 0.60)).refusal_detail is None


def test_a_list_item_counts_with_its_leads_closeness():
    # The selector gives an item its lead's cosine when higher: a heading that brought the items
    # is close enough though no answer sentence is.
    chosen = state("中国电信牵头建设了哪些跨境光缆？", 0.45)
    item = chosen.evidence[0]
    chosen.evidence = [item, Evidence(n=2, unit=item.unit, doc_title=item.doc_title, page=None, score=0.6,
                                      cosine=0.60, role="item")]
    assert GATE.run(chosen).refusal is None
    chosen.evidence = [item, Evidence(n=2, unit=item.unit, doc_title=item.doc_title, page=None, score=0.6,
                                      cosine=0.60, role="context")]
    assert GATE.run(chosen).refusal == "no_evidence"
