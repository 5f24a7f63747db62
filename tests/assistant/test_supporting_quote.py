from __future__ import annotations

from assistant import Assistant
from assistant.passage import Passage
from assistant.prompt import parse_answer_messages
from assistant.supporting_quote import is_terse, with_supporting_quote
from assistant_test_doubles import LIBRARY, make_result

PASSAGES = [Passage.whole(n, make_result(c, rank=n)) for n, c in enumerate(LIBRARY, start=1)]


def test_terse_means_a_few_characters_besides_markers():
    assert is_terse("29[2]")
    assert not is_terse("截至2022年底，中国已与29个国家签署双边电子商务合作备忘录[2]。")


def test_bare_number_gets_the_sentence_that_holds_it_even_when_cited_wrongly():
    answer = with_supporting_quote("29[1]", PASSAGES, [], "zh")
    assert answer == "29[1]（原文：“截至2022年底，中国已与29个国家签署双边电子商务合作备忘录”[2]）"


def test_full_sentences_and_english_answers_are_unchanged():
    full = "中国已与29个国家签署双边电子商务合作备忘录[2]。"
    assert with_supporting_quote(full, PASSAGES, [], "zh") == full
    assert with_supporting_quote("29 countries [2].", PASSAGES, [], "en") == "29 countries [2]."


def test_number_found_nowhere_is_left_alone():
    assert with_supporting_quote("77[1]", PASSAGES, [], "zh") == "77[1]"


def test_assistant_quotes_the_source_after_a_terse_answer(retriever, scripted):
    def reply(messages):
        passages = parse_answer_messages(messages).passages
        n = next(n for n, text in passages.items() if "29个国家" in text)
        return f"29[{n}]"

    answer = Assistant(retriever=retriever, chat_model=scripted(reply)).ask("截至2022年底中国与多少个国家签署了电子商务合作备忘录？")
    assert "原文：“截至2022年底，中国已与29个国家签署双边电子商务合作备忘录”" in answer.answer
