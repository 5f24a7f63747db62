from __future__ import annotations

import pytest

from assistant.rewrite import ChatModelRewriter, RuleBasedRewriter

HISTORY_ZH = [{"q": "日本的数字化战略是什么？", "a": "日本于2021年设立数字厅[1]。"}]
HISTORY_EN = [{"q": "When was the Digital Silk Road initiative proposed?", "a": "In 2017 [1]."}]


def test_no_history_means_no_rewrite(scripted):
    model = scripted("不应被调用")
    assert ChatModelRewriter(model).rewrite("那韩国呢？") == "那韩国呢？"
    assert model.prompts == []
    assert RuleBasedRewriter().rewrite("What about its deadline?") == "What about its deadline?"


def test_rule_based_prepends_the_previous_topic_to_a_short_follow_up():
    rewritten = RuleBasedRewriter().rewrite("那韩国呢？", HISTORY_ZH)
    assert rewritten.startswith("日本的数字化战略")
    assert rewritten.endswith("那韩国呢？")
    assert "什么" not in rewritten


def test_rule_based_english_pronoun_follow_up():
    rewritten = RuleBasedRewriter().rewrite("What about its deadline?", HISTORY_EN)
    assert rewritten == "the Digital Silk Road initiative proposed: What about its deadline?"


def test_rule_based_keeps_a_self_contained_question():
    question = "截至2022年底中国与多少个国家签署了双边电子商务合作备忘录？"
    assert RuleBasedRewriter().rewrite(question, HISTORY_ZH) == question


def test_rule_based_resolves_chained_follow_ups():
    history = HISTORY_ZH + [{"q": "那韩国呢？", "a": "韩国发布了数字新政[1]。"}]
    assert "日本的数字化战略" in RuleBasedRewriter().rewrite("投资多少？", history)


def test_model_rewriter_prompt_carries_the_history_and_question(scripted):
    model = scripted("韩国的数字化战略是什么？")
    rewriter = ChatModelRewriter(model, max_answer_chars=5)
    assert rewriter.rewrite("那韩国呢？", HISTORY_ZH) == "韩国的数字化战略是什么？"
    [messages] = model.prompts
    system, human = messages
    assert system.type == "system" and "Output only the question" in system.content
    assert "Q: 日本的数字化战略是什么？" in human.content
    assert "A: 日本于20…" in human.content  # previous answers are cut to keep the prompt short
    assert human.content.rstrip().endswith("Last question: 那韩国呢？\nStandalone question:")
    assert model.calls[0]["max_tokens"] == 64


@pytest.mark.parametrize("reply", ["", "What is Korea's digital strategy?", "好" * 500])
def test_model_rewriter_falls_back_to_rules_on_bad_output(scripted, reply):
    rewritten = ChatModelRewriter(scripted(reply)).rewrite("那韩国呢？", HISTORY_ZH)
    assert rewritten == RuleBasedRewriter().rewrite("那韩国呢？", HISTORY_ZH)


def test_model_rewriter_strips_labels_and_quotes(scripted):
    rewriter = ChatModelRewriter(scripted('Standalone question: "What is the deadline of the Digital Silk Road?"\nextra'))
    assert rewriter.rewrite("What about its deadline?", HISTORY_EN) == "What is the deadline of the Digital Silk Road?"
