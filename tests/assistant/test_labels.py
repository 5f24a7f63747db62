"""Refusal texts name what the gate found missing, in the answer's language."""

from __future__ import annotations

from assistant.answer import RefusalDetail
from assistant.labels import labels_for


def test_a_missing_value_is_named_in_both_languages():
    detail = RefusalDetail("value", missing=("money", "percent"))
    assert labels_for("zh").refusal_for("no_evidence", detail) == "相关报告谈到了这个问题，但没有给出所问的金额、比例。"
    assert labels_for("en").refusal_for("no_evidence", detail) == (
        "The related reports discuss this, but state no amount of money, share or percentage for it.")


def test_a_missing_year_and_a_missing_name_are_named():
    assert "2021年" in labels_for("zh").refusal_for("no_evidence", RefusalDetail("year", missing=("2021",)))
    assert "“Starlink”" in labels_for("en").refusal_for("no_evidence", RefusalDetail("name", missing=("Starlink",)))


def test_without_a_detail_or_for_closeness_the_general_text_stays():
    en = labels_for("en")
    assert en.refusal_for("no_evidence") == en.no_evidence
    assert en.refusal_for("no_evidence", RefusalDetail("closeness", best=0.4, bar=0.5)) == en.no_evidence
    assert en.refusal_for("weak_retrieval", RefusalDetail("value", missing=("money",))) == en.weak_retrieval
