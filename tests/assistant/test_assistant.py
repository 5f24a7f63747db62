from __future__ import annotations

import re

import pytest

from assistant import Answer, Assistant, ContextBudget, RefusalPolicy
from assistant.chat_models import ExtractiveChatModel
from assistant.labels import LABELS
from assistant.prompt import REFUSAL_MARKER, parse_answer_messages


def make_assistant(retriever, chat_model, **kwargs) -> Assistant:
    kwargs.setdefault("refusal", RefusalPolicy(refuse_below=0.1))
    return Assistant(retriever=retriever, chat_model=chat_model, **kwargs)


def cite_first_sentence_of(n: int):
    """A well-behaved 'model': copies the first sentence of passage n and cites it."""
    def reply(messages):
        text = parse_answer_messages(messages).passages[n]
        return text.split("。")[0] + f"[{n}]。"
    return reply


def test_extractive_backend_answers_with_checked_citations(retriever):
    answer = make_assistant(retriever, ExtractiveChatModel(), backend="extractive").ask("日本在哪一年设立了数字厅？")
    assert not answer.refused and answer.final and answer.backend == "extractive"
    assert "2021" in answer.answer and "[1]" in answer.answer
    assert answer.citations[0].doc_id == "doc-a" and answer.citations[0].supported
    assert answer.citations[0].section == "第三章 日本"
    assert set(answer.timings) >= {"rewrite", "retrieve", "generate", "check", "total", "first_token"}


def test_stream_order_is_preview_tokens_final(retriever, scripted):
    model = scripted(cite_first_sentence_of(1))
    items = list(make_assistant(retriever, model).stream("日本在哪一年设立了数字厅？"))
    preview, *tokens, final = items
    assert isinstance(preview, Answer) and not preview.final and preview.backend == "extractive"
    assert tokens and all(isinstance(t, str) for t in tokens)
    assert isinstance(final, Answer) and final.final
    assert "".join(tokens) == "日本于2021年设立数字厅，负责推进行政数字化[1]。"
    assert final.answer == "".join(tokens)
    assert [c.n for c in final.citations] == [1] and final.unsupported == []


def test_model_refusal_marker_gives_a_refusal_with_related_passages(retriever, scripted):
    items = list(make_assistant(retriever, scripted(REFUSAL_MARKER)).stream("日本数字厅的厅长是谁？"))
    assert not any(isinstance(i, str) for i in items), "the marker must not be streamed"
    final = items[-1]
    assert final.refused and final.answer == LABELS["zh"].refusal
    assert final.passages and final.citations == []


def test_weak_retrieval_refuses_without_calling_the_model(retriever, scripted):
    model = scripted("不应被调用")
    answer = make_assistant(retriever, model, refusal=RefusalPolicy(refuse_below=0.99)).ask("日本设立了数字厅吗？")
    assert answer.refused and answer.answer == LABELS["zh"].weak_retrieval
    assert model.prompts == []
    assert answer.passages, "the closest passages are still shown as related"


def test_english_question_gets_english_refusal(retriever, scripted):
    answer = make_assistant(retriever, scripted(REFUSAL_MARKER)).ask("Who heads Japan's 数字厅 agency?")
    assert answer.language == "en" and answer.refused and answer.answer == LABELS["en"].refusal


def test_forced_language_overrides_detection(retriever, scripted):
    model = scripted(cite_first_sentence_of(1))
    answer = make_assistant(retriever, model, language="en", language_repair=False).ask("日本在哪一年设立了数字厅？")
    assert answer.language == "en"
    answer_prompts = [m for m in model.prompts if "<passages>" in m[-1].content]
    assert parse_answer_messages(answer_prompts[-1]).language == "en"


def test_follow_up_is_rewritten_before_retrieval(retriever, scripted):
    model = scripted(lambda m: "韩国的数字化计划投资多少？" if "Last question" in m[-1].content else "韩国计划投资58万亿韩元[1]。")
    history = [{"q": "日本在哪一年设立了数字厅？", "a": "2021年[1]。"}]
    answer = make_assistant(retriever, model).ask("那韩国呢？", history)
    assert answer.standalone_question == "韩国的数字化计划投资多少？"
    assert retriever.queries[-1] == "韩国的数字化计划投资多少？"
    assert not answer.refused and answer.unsupported == []


def test_hallucinated_claim_and_bad_marker_are_flagged(retriever, scripted):
    model = scripted("日本于2021年设立数字厅[1]。巴西在2019年建成了全国量子通信骨干网络[2]。另见[9]。")
    answer = make_assistant(retriever, model).ask("日本在哪一年设立了数字厅？")
    assert "[9]" not in answer.answer
    assert answer.unsupported == ["巴西在2019年建成了全国量子通信骨干网络。"]
    assert {c.n: c.supported for c in answer.citations}[1] is True


def test_passage_count_and_length_follow_the_budget(retriever, scripted):
    model = scripted(cite_first_sentence_of(1))
    make_assistant(retriever, model, budget=ContextBudget(passages=1, passage_chars=30)).ask("韩国数字新政投资多少？")
    human = model.prompts[-1][-1].content
    assert re.findall(r"^\[(\d+)\]", human, flags=re.M) == ["1"]
    assert len(parse_answer_messages(model.prompts[-1]).passages[1]) <= 30


@pytest.mark.parametrize("question", ["", "   \n\t"])
def test_empty_question_is_rejected(retriever, question):
    with pytest.raises(ValueError, match="question is empty"):
        make_assistant(retriever, ExtractiveChatModel()).ask(question)


def test_malformed_history_is_rejected(retriever):
    with pytest.raises(ValueError, match=r"history\[0\]"):
        make_assistant(retriever, ExtractiveChatModel()).ask("韩国呢？", [{"question": "x"}])


def test_long_question_is_truncated_with_a_note(retriever):
    assistant = make_assistant(retriever, ExtractiveChatModel(), max_question_chars=20)
    answer = assistant.ask("日本在哪一年设立了数字厅？" + "请详细说明" * 50)
    assert len(answer.question) == 20
    assert answer.notes == [LABELS["zh"].question_truncated.format(kept=20)]
    assert answer.to_dict()["notes"] == answer.notes


def test_invalid_options_are_rejected(retriever):
    with pytest.raises(ValueError, match="language"):
        Assistant(retriever=retriever, chat_model=ExtractiveChatModel(), language="fr")
    with pytest.raises(ValueError, match="retrieve"):
        Assistant(retriever=object(), chat_model=ExtractiveChatModel())


def test_closing_the_stream_stops_the_model(retriever):
    """Stop in the UI closes the stream: the model must stop then, not write its answer out."""
    from assistant_test_doubles import ScriptedChatModel

    class CountingChatModel(ScriptedChatModel):
        produced: int = 0

        def _stream(self, *args, **kwargs):
            for chunk in super()._stream(*args, **kwargs):
                self.produced += 1
                yield chunk

    model = CountingChatModel(reply=lambda messages: "日本于2021年设立数字厅[1]。" * 50)
    stream = make_assistant(retriever, model).stream("日本在哪一年设立了数字厅？")
    preview = next(stream)
    tokens = [next(stream) for _ in range(3)]
    stream.close()
    assert isinstance(preview, Answer) and all(isinstance(t, str) for t in tokens)
    assert model.produced < 10  # of ~300 pieces
