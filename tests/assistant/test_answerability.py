from __future__ import annotations

import pytest

from assistant import Assistant, RefusalPolicy
from assistant.answerability import (
    AnswerabilityCheck,
    missing_specifics,
    question_specifics,
    unfounded_numbers,
)
from assistant.chat_models import ExtractiveChatModel
from assistant.labels import LABELS
from assistant.prompt import parse_answer_messages
from assistant_test_doubles import LIBRARY

PASSAGES = [c.text for c in LIBRARY]


def test_specifics_are_numbers_and_latin_names_outside_titles():
    assert question_specifics("《白皮书（2022年）》中，2021年DEPA有几个模块？") == ["2021", "DEPA"]
    # English questions: numbers only (their words are not in Chinese passages); COVID-19 is a name.
    assert question_specifics("What did the 2020 COVID-19 report say about ITU?") == ["2020"]


def test_a_year_no_passage_mentions_is_missing():
    assert missing_specifics("2025年日本设立了什么机构？", PASSAGES) == ["2025"]
    assert missing_specifics("2021年日本设立了什么机构？", PASSAGES) == []


def test_numbers_count_in_either_notation():
    # "58万亿韩元" in the passage is "58 trillion won" in English notation.
    assert unfounded_numbers("Korea plans to invest 58 trillion won [3].", PASSAGES) == set()
    assert unfounded_numbers("Korea plans to invest 85 trillion won [3].", PASSAGES) == {"85"}
    assert unfounded_numbers("In 2030 it invests [3].", PASSAGES, question="What about 2030?") == set()


def test_a_percentage_must_be_a_percentage_in_the_passages():
    ranked = ["全球IaaS市场份额排名中，阿里云排名全球第 3位。"]
    assert unfounded_numbers("阿里云的市场占有率为3%[1]。", ranked) == {"3"}
    assert unfounded_numbers("阿里云排名全球第3位[1]。", ranked) == set()
    # Spellings of one percentage, and percentage points, agree.
    assert unfounded_numbers("Trade grew 14.3 per cent [1].", ["贸易增长14.3％。"]) == set()
    assert unfounded_numbers("占比提高了3%[1]。", ["占比提高了3个百分点。"]) == set()
    assert unfounded_numbers("占比为5.5%[1]。", ["占比为百分之5.5。"]) == set()


def test_a_year_in_a_passage_header_names_the_report():
    question = "2023年版报告说，日本在哪一年设立了数字厅？"
    assert missing_specifics(question, PASSAGES) == ["2023"]
    assert missing_specifics(question, PASSAGES, headers=["数字经济合作报告（2023年） · 第三章 日本"]) == []
    assert AnswerabilityCheck().check(question, PASSAGES, headers=["数字经济合作报告（2023年）"]).answerable


def test_check_rejects_missing_specifics_and_weak_overlap():
    check = AnswerabilityCheck(min_overlap=0.3)
    assert check.check("日本在哪一年设立了数字厅？", PASSAGES).answerable
    assert not check.check("2025年日本设立了什么机构？", PASSAGES).answerable
    verdict = check.check("火星探测器着陆在哪个平原？", PASSAGES)
    assert not verdict.answerable and "overlap" in verdict.reason
    # An English question over Chinese passages: lexical overlap says nothing, years are not checked.
    assert check.check("Which agency did Japan set up in 2024?", PASSAGES).answerable


def test_invalid_threshold_is_rejected():
    with pytest.raises(ValueError, match="min_overlap"):
        AnswerabilityCheck(min_overlap=1.5)


def test_unanswerable_question_is_refused_without_calling_the_model(retriever, scripted):
    model = scripted("日本于2021年设立数字厅[3]。")
    assistant = Assistant(retriever=retriever, chat_model=model, refusal=RefusalPolicy(refuse_below=0.0))
    answer = assistant.ask("2025年日本设立了什么机构？")
    assert answer.refused and answer.answer == LABELS["zh"].refusal
    assert model.prompts == []


def test_extractive_back_end_refuses_on_topic_questions_it_cannot_answer(retriever):
    assistant = Assistant(retriever=retriever, chat_model=ExtractiveChatModel(), refusal=RefusalPolicy(refuse_below=0.0))
    assert assistant.ask("2025年日本设立了什么机构？").refused
    assert not assistant.ask("日本在哪一年设立了数字厅？").refused


def citing_japan(template: str):
    """A 'model' writing ``template`` with ``{n}`` the number of the passage about Japan."""
    def reply(messages):
        passages = parse_answer_messages(messages).passages
        return template.format(n=next(n for n, text in passages.items() if "日本于2021年" in text))
    return reply


def test_sentence_with_a_made_up_number_is_dropped(retriever, scripted):
    model = scripted(citing_japan("日本于2021年设立数字厅[{n}]。韩国计划投资85万亿韩元[{n}]。"))
    answer = Assistant(retriever=retriever, chat_model=model).ask("日本和韩国推进了哪些数字化举措？")
    assert not answer.refused
    assert "85" not in answer.answer and "日本于2021年设立数字厅[" in answer.answer
    assert answer.unsupported == ["韩国计划投资85万亿韩元。"]


def test_answer_made_only_of_made_up_numbers_is_a_refusal(retriever, scripted):
    model = scripted("日本数字厅有3500名员工[3]。")
    answer = Assistant(retriever=retriever, chat_model=model).ask("日本数字厅有多少员工？")
    assert answer.refused


def test_a_figure_the_passages_state_about_something_else_is_misplaced():
    from assistant.answerability import misplaced_numbers

    passage = "2019年，全球跨境电商B2C市场规模从2014年的2360亿美元上升到8260亿美元。数字经济规模持续扩大。"
    question = "2020年全球数字经济规模是多少美元？"
    assert misplaced_numbers("2020年全球数字经济规模估计为8260亿美元。", [passage], question=question) == {"8260"}
    # Quoting the figure with what it measures is fine, and so is a bare figure.
    assert not misplaced_numbers("2019年全球跨境电商B2C市场规模上升到8260亿美元。", [passage], question=question)
    assert not misplaced_numbers("8260亿美元", [passage], question=question)
    # A year only dates the claim; the passage may give it in another sentence.
    dated = "2020年欧盟提出复苏计划。其中包括在7年内向科研创新资助944亿欧元的“地平线欧洲”计划。"
    assert not misplaced_numbers("2020年欧盟向科研创新资助944亿欧元的“地平线欧洲”计划[1]。", [dated])
    # English claims are judged by the citation checker's embedder instead.
    assert not misplaced_numbers("The digital economy reached 826 billion dollars.", [passage])


def test_citation_check_drops_a_misplaced_figure(retriever, scripted):
    from assistant import Assistant

    # The passage has 58万亿韩元 for Korea's New Deal; the model attributes it to Japan's agency.
    reply = "日本数字厅的年度预算为58万亿韩元[3]。"
    answer = Assistant(retriever=retriever, chat_model=scripted(reply)).ask("日本数字厅的预算是多少？")
    assert answer.refused
