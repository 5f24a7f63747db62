from __future__ import annotations

from assistant import Assistant
from assistant.answer_cleanup import clean_answer
from assistant.passage import Passage
from assistant_test_doubles import LIBRARY, make_result

PASSAGES = [Passage.whole(n, make_result(c, rank=n)) for n, c in enumerate(LIBRARY, start=1)]


def test_placeholder_markers_are_removed_and_real_ones_kept():
    text = "截至4月11日，抖音累计助力农产品销售3.2亿元[1]。[编号]"
    assert clean_answer(text, PASSAGES) == "截至4月11日，抖音累计助力农产品销售3.2亿元[1]。"
    assert clean_answer("It reached 29 [n].", PASSAGES) == "It reached 29."


def test_echoed_passage_header_is_removed_with_its_number():
    text = "[2] 数字经济合作报告 · 第二章 跨境电商\n中国已与29个国家签署双边电子商务合作备忘录[2]。"
    assert clean_answer(text, PASSAGES) == "中国已与29个国家签署双边电子商务合作备忘录[2]。"


def test_title_alone_inside_a_sentence_is_kept():
    text = "《数字经济合作报告》指出，中国已与29个国家签署备忘录[2]。"
    assert clean_answer(text, PASSAGES) == text


def test_assistant_does_not_show_an_echoed_header(retriever, scripted):
    reply = "[2] 数字经济合作报告 · 第二章 跨境电商 截至2022年底，中国已与29个国家签署双边电子商务合作备忘录[2]。"
    answer = Assistant(retriever=retriever, chat_model=scripted(reply)).ask("中国与多少个国家签署了电子商务合作备忘录？")
    assert not answer.refused
    assert "第二章 跨境电商" not in answer.answer
    assert "29个国家" in answer.answer
