"""The extractive composer's English lead (sentences from data/reports/003 and 004)."""

from __future__ import annotations

from assistant.answer import Evidence
from assistant.answer_state import AnswerState
from assistant.stages.extractive_composer import ExtractiveComposer, english_facts
from ingest.evidence_units import EvidenceUnit

CABLES_003 = "目前，我国已与“一带一路”沿线国家建成超过 30条跨境陆缆和10 余条国际海缆。"
CABLES_004 = "一方面，中国构建起130套跨境陆缆系统，广泛建设5G基站、数据中心、云计算中心等新型基础设施。"
TITLES = {"003": "Progress, Challenges and Responses", "004": "Digital Economy of the Belt and Road"}


def evidence(n: int, doc_id: str, text: str, role: str = "answer") -> Evidence:
    unit = EvidenceUnit(f"{doc_id}:0-{len(text)}", doc_id, 0, len(text), text, "sentence")
    return Evidence(n=n, unit=unit, doc_title=doc_id, page=None, score=0.6, cosine=0.6, role=role)


def test_each_report_gets_its_own_lead_citing_its_own_units():
    state = AnswerState(question="How many cross-border land cables has China built?", language="en",
                        evidence=[evidence(1, "003", CABLES_003), evidence(2, "004", CABLES_004)])
    claims = ExtractiveComposer(english_title=TITLES.get).run(state).claims
    leads = [c for c in claims if c.kind == "lead"]
    assert [c.cited for c in leads] == [(1,), (2,)]
    assert leads[0].text.startswith("From “Progress, Challenges and Responses”") and "30" in leads[0].text
    assert "130" in leads[1].text and "130" not in leads[0].text
    assert [c.cited for c in claims if c.kind == "evidence"] == [(1,), (2,)]


def test_a_chinese_question_gets_the_units_alone():
    state = AnswerState(question="中国建成了多少条跨境陆缆？", language="zh", evidence=[evidence(1, "003", CABLES_003)])
    assert [(c.text, c.kind) for c in ExtractiveComposer().run(state).claims] == [(CABLES_003, "evidence")]


def test_digits_inside_a_name_are_not_a_figure():
    # data/reports/002: "OECD、G20 和 G7 是当前推动“可信数据自由流动”的主要平台。"
    assert english_facts("OECD、G20 和 G7 是当前推动“可信数据自由流动”的主要平台。") == ["OECD", "G20", "G7"]
    assert english_facts("广泛建设5G基站，投资 20 亿美元") == ["2 billion US dollars", "5G"]
