from __future__ import annotations

import pytest

from ingest import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("RCEP 的主要内容是什么", "zh"),
        ("What does the 数字丝绸之路 mean?", "en"),
        ("What is 一带一路?", "en"),
        ("AI 治理有哪些进展？", "zh"),
        ("G20 数字经济", "zh"),
        ("How does the G20 handle data flows?", "en"),
        ("数字经济", "zh"),
        ("digital economy", "en"),
    ],
)
def test_majority_language(text, language):
    assert detect_language(text) == language


def test_default_when_there_are_no_letters():
    assert detect_language("2022 / 3.5%", default="en") == "en"
    assert detect_language("") == "zh"
    with pytest.raises(ValueError):
        detect_language("x", default="fr")
