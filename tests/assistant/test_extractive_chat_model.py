from __future__ import annotations

from assistant.chat_models import ExtractiveChatModel
from assistant.passage import Passage
from assistant.prompt import REFUSAL_MARKER, answer_messages, parse_answer_messages
from assistant_test_doubles import LIBRARY, make_result


def passages() -> list[Passage]:
    return [Passage.whole(n, make_result(c, rank=n)) for n, c in enumerate(LIBRARY, start=1)]


def test_prompt_round_trips_through_the_parser():
    messages = answer_messages("zh", "日本设立了什么机构？", passages())
    parsed = parse_answer_messages(messages)
    assert parsed.language == "zh" and parsed.question == "日本设立了什么机构？"
    assert parsed.passages[3] == LIBRARY[2].text


def test_chinese_answer_cites_the_best_sentence():
    model = ExtractiveChatModel(max_sentences=1)
    answer = model.invoke(answer_messages("zh", "日本在哪一年设立了数字厅？", passages())).content
    assert answer == "日本于2021年设立数字厅，负责推进行政数字化[3]。"


def test_a_sentence_repeating_the_title_the_question_names_is_no_answer():
    model = ExtractiveChatModel(max_sentences=1)
    selected = model.select(
        "《数字经济合作报告》提到日本在哪一年设立了数字厅？",
        {1: "来源：数字经济合作报告，数字经济合作报告编写组。", 2: "日本于2021年设立数字厅。"},
    )
    assert selected == [(2, "日本于2021年设立数字厅。")]


def test_without_book_titles_keeps_a_question_that_is_only_a_title():
    from assistant.similarity import without_book_titles

    assert without_book_titles("《白皮书》的结论是什么？").strip() == "的结论是什么？"
    assert without_book_titles("《全球数字治理白皮书》") == "《全球数字治理白皮书》"


def test_english_answer_quotes_the_chinese_source_in_english_framing():
    model = ExtractiveChatModel(max_sentences=2)
    answer = model.invoke(answer_messages("en", "How many countries signed e-commerce memoranda with China by 2022?", passages())).content
    assert answer.startswith("The reports say:")
    assert "“截至2022年底，中国已与29个国家签署双边电子商务合作备忘录。” [2]" in answer


def test_nothing_relevant_gives_the_refusal_marker():
    answer = ExtractiveChatModel().invoke(answer_messages("zh", "火星探测器何时着陆？", passages())).content
    assert answer == REFUSAL_MARKER


def test_stream_yields_the_same_text_in_pieces():
    model = ExtractiveChatModel()
    messages = answer_messages("zh", "韩国数字新政计划投资多少？", passages())
    pieces = [chunk.content for chunk in model.stream(messages)]
    assert len(pieces) >= 1 and "".join(pieces) == model.invoke(messages).content
    assert "58万亿韩元" in "".join(pieces)
