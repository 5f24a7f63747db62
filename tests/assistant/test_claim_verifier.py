"""The one verification rule, on its own."""

from __future__ import annotations

from assistant.answer import Claim, Evidence
from assistant.answer_state import AnswerState
from assistant.stages.claim_verifier import ClaimVerifier, unfounded
from ingest.evidence_units import EvidenceUnit

UNIT = "韩国7月发布“韩版新政”综合规划，计划在2025年之前创造90.3万个工作岗位。"


def evidence(n: int = 1, text: str = UNIT) -> Evidence:
    return Evidence(n=n, unit=EvidenceUnit(f"d:{n}-9", "d", 0, len(text), text, "sentence"),
                    doc_title="新冠疫情报告", page=None, score=0.7, cosine=0.7)


def test_numbers_must_be_in_the_claims_own_units_in_either_notation():
    assert unfounded("The New Deal would create 903,000 jobs by 2025.", [UNIT]) == []
    assert unfounded("The New Deal would create 90.3 million jobs by 2025.", [UNIT]) == []  # 90.3 is there
    assert unfounded("The New Deal would create 930,000 jobs.", [UNIT]) == ["930000"]
    assert unfounded("It names 2020 as the start.", [UNIT], "What happened in 2020?") == []  # the question's


def test_digits_of_a_name_are_not_a_number_to_find():
    # A translation may name what the unit leaves implicit: 疫情期间 -> "During the COVID-19
    # pandemic" (probe en-240 kept its Chinese unit because "19" was not in it).
    unit = "疫情期间脸书上出现200多个仇恨言论团体，散播了大量的阴谋论和虚假信息。"
    assert unfounded("During the COVID-19 pandemic, over 200 hate groups appeared on Facebook.", [unit]) == []
    assert unfounded("During the COVID-19 pandemic, over 300 hate groups appeared on Facebook.", [unit]) == ["300"]


def test_chinese_claims_quoted_names_must_be_in_the_units():
    assert unfounded("韩国发布了“韩版新政”。", [UNIT]) == []
    assert unfounded("韩国发布了“数字新政”。", [UNIT]) == ["数字新政"]
    assert unfounded("见“New Prospects … COVID-19 Crisis”：2025。", [UNIT]) == []  # a title's number names it


def test_a_bad_lead_is_dropped_and_a_bad_translation_falls_back_to_its_unit():
    state = AnswerState(question="How many jobs?", language="en", standalone="How many jobs?",
                        evidence=[evidence()])
    state.claims = [Claim("It creates 1.2 million jobs.", (1,), "lead"),
                    Claim("Korea will create 800,000 jobs by 2025.", (1,), "translation")]
    ClaimVerifier().run(state)
    assert [c.kind for c in state.claims] == ["evidence"] and state.claims[0].text == UNIT
    assert state.dropped == ["It creates 1.2 million jobs.", "Korea will create 800,000 jobs by 2025."]
    assert state.refusal is None


def test_disabled_verifier_keeps_everything():
    state = AnswerState(question="q", language="en", evidence=[evidence()])
    state.claims = [Claim("It creates 1.2 million jobs.", (1,), "lead")]
    ClaimVerifier(ClaimVerifier.Config(enabled=False)).run(state)
    assert len(state.claims) == 1 and state.dropped == []
