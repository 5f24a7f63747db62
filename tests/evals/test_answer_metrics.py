from __future__ import annotations

import pytest

from evals.metrics.answers import (
    key_fact_recall,
    language_match,
    rouge_l,
    script_share_zh,
    token_f1,
    tokenize,
)


def test_tokens_are_chinese_characters_and_english_words() -> None:
    assert tokenize("2023年GDP增长5.2%") == ["2023", "年", "gdp", "增", "长", "5.2%"]
    assert tokenize("Green finance, grew!") == ["green", "finance", "grew"]


def test_key_fact_recall_counts_normalised_facts() -> None:
    answer = "报告指出，共有２０个试点城市，投资规模达2.5億元，增长百分之二十。"
    assert key_fact_recall(answer, ["20个试点城市", "2.5亿元", "20%"]) == 1.0
    assert key_fact_recall(answer, ["20个试点城市", "30个省份"]) == 0.5
    assert key_fact_recall("Investment rose by twenty percent to 1,200 yuan.", ["20%", "1200 yuan"]) == 1.0


def test_key_fact_recall_needs_facts() -> None:
    with pytest.raises(ValueError):
        key_fact_recall("answer", [])


def test_rouge_l_on_chinese_partial_match_is_between_zero_and_one() -> None:
    # rouge-score's default tokenizer drops CJK and would give 0 here.
    score = rouge_l("我国经济增长较快，结构持续优化", "经济增长较快")
    assert 0.0 < score < 1.0
    # LCS = 6 characters; precision 6/14, recall 6/6.
    assert score == pytest.approx(2 * (6 / 14) * 1.0 / (6 / 14 + 1.0))


def test_rouge_l_uses_order_and_f1_does_not() -> None:
    assert rouge_l("经济增长", "经济增长") == 1.0
    assert token_f1("长增济经", "经济增长") == 1.0
    assert rouge_l("长增济经", "经济增长") < 1.0
    assert rouge_l("totally different", "完全不同") == 0.0


def test_english_scores_are_word_level() -> None:
    assert token_f1("the green bond market", "green bond market growth") == pytest.approx(0.75)
    assert rouge_l("green bonds grew", "green bonds grew fast") == pytest.approx(2 * 1 * 0.75 / 1.75)


def test_empty_answers() -> None:
    assert token_f1("", "参考答案") == 0.0
    assert rouge_l("", "") == 1.0


def test_language_match_by_script_share_ignoring_quoted_titles() -> None:
    assert language_match("The report 《关于推动绿色金融高质量发展的指导意见》 sets three goals.", "en") == 1.0
    assert language_match("报告提出了 ESG 和 GDP 两个指标。", "zh") == 1.0
    assert language_match("The report says growth will be strong.", "zh") == 0.0
    assert language_match("报告认为增长将保持强劲。", "en") == 0.0
    assert language_match("[1]", "zh") == 0.0
    assert script_share_zh("“碳达峰” is a goal") == 0.0


def test_language_must_be_known() -> None:
    with pytest.raises(ValueError, match="language"):
        language_match("text", "fr")


def test_long_quotations_count_towards_the_language() -> None:
    quoted = "The reports say: “2019年4月，在第二届“一带一路”国际高峰论坛数字丝绸之路分论坛上，中国工信部与匈牙利、巴西等国家相关部门达成战略合作。”"
    assert language_match(quoted, "en") == 0.0
    assert language_match("The “Digital Silk Road” (数字丝绸之路) was proposed in 2017.", "en") == 1.0
