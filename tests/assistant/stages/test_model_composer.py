"""The composer's check that the evidence answers: the probability read from the first token's
logprobs, and the prompt it shares with the lead."""

from __future__ import annotations

import math

import pytest

from assistant.answer import Evidence
from assistant.stages.model_composer import check_messages, lead_messages, yes_probability
from ingest.evidence_units import EvidenceUnit

CABLES = "目前，我国已与“一带一路”沿线国家建成超过 30条跨境陆缆和10 余条国际海缆。"  # data/reports/003


def first_token(**alternatives: float) -> dict:
    """OpenAI's ``logprobs`` shape, with the first token's alternatives and their probabilities."""
    top = [{"token": token, "logprob": math.log(p)} for token, p in alternatives.items()]
    return {"content": [{"token": top[0]["token"], "logprob": top[0]["logprob"], "top_logprobs": top}]}


def test_yes_probability_adds_up_the_spellings_of_yes_and_no():
    assert yes_probability(first_token(Yes=0.6, yes=0.1, No=0.2, To=0.1)) == pytest.approx(0.7 / 0.9)
    assert yes_probability(first_token(否=0.75, 是=0.25)) == pytest.approx(0.25)
    assert yes_probability(first_token(**{" no": 0.5, "Maybe": 0.5})) == pytest.approx(0.0)


@pytest.mark.parametrize("logprobs", [None, {}, {"content": []}, first_token(The=0.9, A=0.1)])
def test_no_logprobs_or_neither_answer_is_undecided(logprobs):
    assert yes_probability(logprobs) is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_check_is_the_lead_prompt_with_its_question_appended(language):
    unit = EvidenceUnit(f"003:0-{len(CABLES)}", "003", 0, len(CABLES), CABLES, "sentence")
    evidence = [Evidence(n=1, unit=unit, doc_title="003", page=None, score=0.6, cosine=0.6, role="answer")]
    lead = lead_messages(language, "建成了多少条跨境陆缆？", evidence)
    check = check_messages(language, "建成了多少条跨境陆缆？", evidence)
    assert check[0].content == lead[0].content  # the model's prompt cache reuses the lead's reading
    assert check[1].content.startswith(lead[1].content) and len(check[1].content) > len(lead[1].content)
