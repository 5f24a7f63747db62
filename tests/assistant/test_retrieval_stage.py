"""The retrieve stage: plain retrieval, and the previous turn's documents as a follow-up's prior."""

from __future__ import annotations

import pytest

from assistant.answer_state import AnswerState
from assistant.stages import RetrievalStage
from assistant_test_doubles import LexicalRetriever
from ingest.document import Chunk


def chunk(doc_id: str, n: int, text: str) -> Chunk:
    return Chunk(chunk_id=f"{doc_id}-{n}", doc_id=doc_id, doc_title=doc_id, section="", text=text,
                 start=100 * n, end=100 * n + len(text), page=n)


LIBRARY = [
    chunk("covid-report", 1, "疫情期间抖音等平台通过直播助力农产品销售，销售额持续增长。"),
    chunk("covid-report", 2, "截至4月11日，平台累计助力销售农产品3.2亿元。"),
    chunk("white-paper", 1, "2020年平台累计销售额达到3.2万亿元，平台经济持续增长。"),
]


@pytest.fixture
def retriever() -> LexicalRetriever:
    return LexicalRetriever(chunks=list(LIBRARY))


def retrieve(retriever, question: str, context: str = "", **config) -> list[str]:
    state = AnswerState(question=question, language="zh", standalone=question, context=context)
    return [r.chunk.chunk_id for r in RetrievalStage(retriever, RetrievalStage.Config(**config)).run(state).results]


def test_without_context_the_question_is_retrieved_as_asked(retriever):
    ids = retrieve(retriever, "平台累计销售额是多少？")
    assert ids == [r.chunk.chunk_id for r in retriever.retrieve("平台累计销售额是多少？", k=8)]
    assert retriever.queries[-2:] == ["平台累计销售额是多少？"] * 2


def test_the_previous_turns_documents_lift_their_chunks(retriever):
    question, context = "平台累计销售额是多少？", "疫情期间有哪些平台通过直播助力农产品销售？"
    assert retrieve(retriever, question)[0] == "white-paper-1"
    lifted = retrieve(retriever, question, context)
    assert lifted[0].startswith("covid-report"), lifted
    assert set(lifted) == set(retrieve(retriever, question)), "re-ranked, nothing invented"
    assert context in retriever.queries


def test_prior_weight_zero_turns_the_prior_off(retriever):
    question, context = "平台累计销售额是多少？", "疫情期间有哪些平台通过直播助力农产品销售？"
    assert retrieve(retriever, question, context, prior_weight=0.0) == retrieve(retriever, question)
    assert context not in retriever.queries


def test_results_are_renumbered_and_keep_their_scores(retriever):
    state = AnswerState(question="平台累计销售额是多少？", language="zh", standalone="平台累计销售额是多少？",
                        context="疫情期间有哪些平台通过直播助力农产品销售？")
    results = RetrievalStage(retriever).run(state).results
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert all("dense" in r.scores and "prior" in r.scores for r in results)


def test_config_is_validated():
    with pytest.raises(ValueError, match="prior_weight"):
        RetrievalStage(LexicalRetriever(chunks=list(LIBRARY)), RetrievalStage.Config(prior_weight=-1.0))
    with pytest.raises(ValueError, match="passages"):
        RetrievalStage(LexicalRetriever(chunks=list(LIBRARY)), RetrievalStage.Config(passages=0))
