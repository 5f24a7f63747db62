from __future__ import annotations

import io
import json

import pytest

from assistant import Assistant
from assistant.stages import RefusalGate
from reportqa.commands.ask import parse_batch_line, print_streamed, run_batch


@pytest.fixture
def assistant(retriever, embeddings) -> Assistant:
    gate = RefusalGate(RefusalGate.Config(refuse_below=0.1, min_unit_cosine=-1.0, min_unit_cosine_cross_lingual=-1.0, min_unit_cosine_open=-1.0,
                                         require_answer_type=False, require_asked_years=False))
    return Assistant(retriever=retriever, embeddings=embeddings, backend="extractive", gate=gate)


def test_batch_answers_every_line_and_reports_bad_ones(assistant, tmp_path):
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        "\n".join([
            json.dumps({"id": "q1", "question": "日本在哪一年设立了数字厅？"}, ensure_ascii=False),
            "{not json",
            json.dumps({"id": "q3", "question": "   "}),
            json.dumps({"id": 4, "question": "那韩国呢？", "history": [{"q": "日本设立了什么机构？", "a": "数字厅[1]。"}]},
                       ensure_ascii=False),
            json.dumps({"id": "q5", "question": "x", "history": "oops"}),
            "",
        ]),
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_batch(assistant, batch, out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["id"] for line in lines] == ["q1", None, "q3", 4, "q5"]
    assert "2021" in lines[0]["answer"] and lines[0]["citations"][0]["doc_id"] == "doc-a"
    assert lines[1]["line"] == 2 and "not valid JSON" in lines[1]["error"]
    assert "question is empty" in lines[2]["error"]
    assert lines[3]["standalone_question"] != "那韩国呢？" and "error" not in lines[3]
    assert "history" in lines[4]["error"]


@pytest.mark.parametrize("line, message", [("[1, 2]", "JSON object"), ('{"id": 1}', "question")])
def test_parse_batch_line_errors(line, message):
    with pytest.raises(ValueError, match=message):
        parse_batch_line(line)


def test_streamed_output_lists_sources_after_the_answer(assistant):
    out = io.StringIO()
    print_streamed(assistant.stream("日本在哪一年设立了数字厅？"), out)
    text = out.getvalue()
    answer_part, sources_part = text.split("来源:")
    assert "2021" in answer_part and "[1]" in answer_part
    assert "[1] 数字经济合作报告 · 第三章 日本" in sources_part


def test_streamed_refusal_shows_related_passages(retriever, embeddings):
    strict = Assistant(retriever=retriever, embeddings=embeddings, gate=RefusalGate(RefusalGate.Config(refuse_below=0.99)))
    out = io.StringIO()
    print_streamed(strict.stream("What did Japan set up in 2021?"), out)
    assert "Nothing in the library is close enough" in out.getvalue()
