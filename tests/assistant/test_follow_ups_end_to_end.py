"""Follow-ups over the real index of data/reports with the real embedder (slow): a dependent
question is answered from the document the conversation is about, and a self-contained one asked
mid-chat gets the answer it gets in a fresh chat. Questions from the dev follow-ups, never the
frozen test suite."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

AN_XIAOMING = "003_12112d1d53d7aa15"


@pytest.fixture(scope="module")
def extractive(built_index):
    from reportqa.factory import make_assistant

    return make_assistant(built_index.settings, "extractive", retriever=built_index.retriever)


def test_a_pronoun_follow_up_is_answered_from_the_conversations_document(extractive):
    history = [{"q": "How is cross-border e-commerce developing between China and the Middle East, according to An Xiaoming?",
                "a": "Chinese platforms are growing quickly in the Middle East market."}]
    answer = extractive.preview("Which of them are active there?", history)
    assert answer.standalone_question != "Which of them are active there?"
    assert not answer.refused
    assert AN_XIAOMING in {c.doc_id for c in answer.citations}
    assert sum(name in answer.answer for name in ("AliExpress", "Shein", "JollyChic", "Fordeal")) >= 2, answer.answer


def test_a_third_turn_still_knows_whose_article_it_is(extractive):
    history = [
        {"q": "安晓明的文章讲了“一带一路”数字经济合作的哪些进展？", "a": "顶层设计和政策协调加快推进、数字基础设施建设进展迅速、数字服务贸易迅速发展等。"},
        {"q": "其中数字服务贸易，2020年的总额是多少？", "a": "2020年我国数字服务贸易总额达到2939.85亿美元。"},
    ]
    answer = extractive.preview("他认为合作面临哪四重挑战？", history)
    assert "安晓明" in answer.standalone_question
    for challenge in ("合作基础", "合作机制", "合作动能", "合作环境"):
        assert challenge in answer.answer.replace(" ", ""), answer.answer


def test_a_self_contained_question_mid_chat_is_answered_as_in_a_fresh_chat(extractive):
    question = "《全球数字治理白皮书（2020年）》认为数字化驱动全球化转型的四大动因是什么？"
    history = [{"q": "疫情期间，抖音累计助力农产品销售了多少金额？", "a": "截至4月11日，抖音累计助力销售农产品3.2亿元。"}]
    fresh, mid_chat = extractive.preview(question), extractive.preview(question, history)
    assert mid_chat.standalone_question == question
    assert mid_chat.answer == fresh.answer
    assert [c.doc_id for c in mid_chat.citations] == [c.doc_id for c in fresh.citations]
