from __future__ import annotations

import pytest

from assistant.language_check import has_untranslated_chinese, untranslated_fragments


@pytest.mark.parametrize(
    "text",
    [
        "China launched the initiative with 7 countries [1].",
        "The Digital Silk Road (数字丝绸之路) expanded [1].",
        "The reports say: “中国与7国共同发起倡议” [1]",
        "See the white paper 《全球数字治理白皮书》 [2].",
        "Nested (the “数字经济” chapter) is fine.",
    ],
)
def test_translated_or_bracketed_text_passes(text):
    assert untranslated_fragments(text) == []
    assert not has_untranslated_chinese(text)


def test_bare_chinese_run_is_a_violation():
    assert untranslated_fragments("Growth in 数字经济 was fast, and 跨境电商 too.") == ["数字经济", "跨境电商"]


def test_an_unclosed_bracket_does_not_hide_chinese():
    assert untranslated_fragments("It grew (see 数字经济 without closing") == ["数字经济"]


def test_chinese_punctuation_joins_its_run():
    assert untranslated_fragments("Answer: 中国，埃及。") == ["中国，埃及。"]


def test_mixed_width_brackets_and_nested_straight_quotes_close_their_pairs():
    assert untranslated_fragments("The reports say: “单位（亿美元) 和 \"名称 未闭合” [1]") == []
    assert untranslated_fragments("(亿美元） then 数字经济") == ["数字经济"]
