from __future__ import annotations

from assistant import Assistant
from assistant.empty_answer import new_content, restates_question


def test_an_english_echo_of_the_question_is_empty():
    question = "Why has the focus shifted from basic network connectivity to 'meaningful connectivity'?"
    assert restates_question("The focus has shifted from basic network connectivity to 'meaningful connectivity' [1].", question)


def test_inflections_and_framing_words_add_nothing():
    question = "What budget did the ITU adopt for its 2024-2027 strategic plan?"
    assert restates_question("The ITU adopted a budget for the following 2024-2027 strategic plan [3].", question)


def test_a_new_number_is_an_answer_even_when_short():
    assert not restates_question("It was 28 [1].", "How many commitments did the G20 make?")
    assert not restates_question("10台[1]", "全球13台根服务器中有多少台在美国？")


def test_real_answers_are_not_empty():
    assert not restates_question(
        "Private-sector bodies such as IETF, W3C and 3GPP took the lead [2].",
        "Which private-sector-based organisations started private participation in standard-setting?",
    )
    assert not restates_question("主要包括数字鸿沟、网络安全和战略互信[1]。", "面临哪些挑战？")
    assert new_content("主要包括数字鸿沟、网络安全和战略互信[1]。", "面临哪些挑战？") >= 3


def test_a_chinese_echo_is_empty():
    assert restates_question("“数字鸿沟”会给合作带来挑战[1]。", "为什么说“数字鸿沟”会给合作带来挑战？")


def test_assistant_refuses_instead_of_echoing(retriever, scripted):
    question = "中国与多少个国家签署了电子商务合作备忘录？"
    answer = Assistant(retriever=retriever, chat_model=scripted("中国与国家签署了电子商务合作备忘录[2]。")).ask(question)
    assert answer.refused
    assert answer.passages  # the related passages are still shown
