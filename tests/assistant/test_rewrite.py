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
    rewritten = RuleBasedRewriter(strategy="topic").rewrite("What about its deadline?", HISTORY_EN)
    assert rewritten == "the Digital Silk Road initiative proposed: What about its deadline?"


def test_anchors_strategy_names_only_what_the_previous_question_is_about():
    # The previous question's names, not its whole topic: "When was … proposed" would pull the
    # query toward the previous answer.
    rewriter = RuleBasedRewriter(strategy="anchors")
    assert rewriter.rewrite("What about its deadline?", HISTORY_EN) == "Digital Silk Road: What about its deadline?"
    history = [{"q": "安晓明的文章讲了“一带一路”数字经济合作的哪些进展？", "a": "数字基础设施建设进展迅速等。"}]
    assert rewriter.rewrite("其中数字服务贸易，2020年的总额是多少？", history) == (
        "安晓明、“一带一路”，其中数字服务贸易，2020年的总额是多少？")


def test_an_ellipsis_gets_the_whole_topic_even_when_the_previous_question_has_names():
    history = [{"q": "2017年第四届世界互联网大会上，中国与几个国家共同发起了《“一带一路”数字经济国际合作倡议》？", "a": "7国。"}]
    rewriter = RuleBasedRewriter(strategy="anchors")
    assert rewriter.elliptical("是哪几个国家？") and not rewriter.elliptical("他认为面临哪些挑战？")
    assert rewriter.rewrite("是哪几个国家？", history).startswith("2017年第四届世界互联网大会上")


def test_anchors_fall_back_to_the_topic_when_the_previous_question_names_nothing():
    history = [{"q": "疫情期间有哪些平台帮助农产品销售？", "a": "抖音等平台。"}]
    assert RuleBasedRewriter().rewrite("那快手呢？", history) == "疫情期间平台帮助农产品销售，那快手呢？"


def test_default_strategies_are_anchors_for_chinese_and_the_topic_for_english():
    rewriter = RuleBasedRewriter()
    assert rewriter.config()["strategy_zh"] == "anchors" and rewriter.config()["strategy_en"] == "topic"
    assert rewriter.rewrite("What about its deadline?", HISTORY_EN) == RuleBasedRewriter(strategy="topic").rewrite(
        "What about its deadline?", HISTORY_EN)


def test_strategy_none_leaves_the_words_as_asked():
    assert RuleBasedRewriter(strategy="none").rewrite("What about its deadline?", HISTORY_EN) == "What about its deadline?"
    with pytest.raises(ValueError, match="strategy"):
        RuleBasedRewriter(strategy="guess")


@pytest.mark.parametrize("question", [
    "他认为合作面临哪四重挑战？",
    "文中提到的八项行动又是何时宣布的？",  # a document only the conversation names
    "报告建议从哪些层面完善国际层面的治理机制？",
    "阿里巴巴排第几？",  # too short to have a subject of its own
    "Which four templates does the same paper identify?",
    "Which initiatives has China put forward, according to the authors?",
    "What results did the 2021 China-Arab States Expo he mentions achieve?",
    "How much did its CARES Act earmark for the digital economy?",
    "How many such measures had been adopted by the end of 2021?",
])
def test_dependent_questions(question):
    assert RuleBasedRewriter().is_follow_up(question)


@pytest.mark.parametrize("question", [
    "白皮书（2020年）所说的“G20+”机制复合体是什么？它有什么优缺点？",  # 它 refers inside the question
    "因此其他国家应该如何应对数字鸿沟带来的挑战与风险？",  # 因此/其他/应该 only contain 此/其/他/该
    "Who launched the Global Commission on the Stability of Cyberspace (GCSC), and how Western is its membership?",
    "Why does the 2020 COVID-19 digital economy report argue that the 'generalisation of security' hampers growth?",
])
def test_self_contained_questions(question):
    assert not RuleBasedRewriter().is_follow_up(question)
    assert RuleBasedRewriter().rewrite(question, HISTORY_ZH) == question


def test_anchors_of_a_question():
    anchors = RuleBasedRewriter.anchors
    assert anchors("安晓明的文章讲了“一带一路”数字经济合作的哪些进展？") == ["安晓明", "“一带一路”"]
    assert anchors("《全球数字治理白皮书（2022年）》怎么描述数字政府的发展？") == ["《全球数字治理白皮书（2022年）》"]
    assert anchors("What does the 2022 white paper say about data localisation?") == ["2022 white paper"]
    assert anchors("How much did mobile payment usage rise in the Middle East according to the PwC survey?") == [
        "Middle East", "PwC"]


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
