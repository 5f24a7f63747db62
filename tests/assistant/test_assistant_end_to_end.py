"""The assistant over the real index of data/reports (shared ``built_index`` fixture), slow."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from assistant.language_check import untranslated_fragments

pytestmark = pytest.mark.slow

ZH_001 = "中国支持高质量共建“一带一路”的八项行动是在何时、何种场合宣布的？"  # doc 004
ZH_003 = "2017年第四届世界互联网大会上，中国与几个国家共同发起了《“一带一路”数字经济国际合作倡议》？"  # doc 003
EN_001 = ("According to the 2020 Shanghai Cyber Institute report on the digital economy during COVID-19, "
          "how much money did the US CARES Act earmark for accelerating digital economy development?")  # doc 000
EN_002 = "How many jobs was South Korea's 'Korean New Deal' expected to create, and by what year?"  # doc 000


def cited_docs(answer) -> set[str]:
    return {c.doc_id for c in answer.citations if c.supported}


@pytest.fixture(scope="module")
def extractive(built_index):
    from reportqa.factory import make_assistant

    return make_assistant(built_index.settings, "extractive", retriever=built_index.retriever)


@pytest.fixture(scope="module")
def local(built_index):
    from reportqa.factory import make_assistant

    return make_assistant(built_index.settings, "local", retriever=built_index.retriever)


def test_extractive_chinese_answer_quotes_the_evidence(extractive, built_index):
    answer = extractive.ask(ZH_003)
    assert not answer.refused and answer.language == "zh"
    assert "003_12112d1d53d7aa15" in cited_docs(answer)
    assert "7国" in answer.answer.replace(" ", "")
    document = built_index.index.document_text("003_12112d1d53d7aa15")
    for citation in answer.citations:
        if citation.doc_id == "003_12112d1d53d7aa15":
            assert document[citation.start : citation.end] == citation.text


def test_extractive_english_answer_is_english_with_quoted_sources(extractive):
    answer = extractive.ask(EN_001)
    assert not answer.refused and answer.language == "en"
    assert answer.answer.startswith("The reports say:")
    assert untranslated_fragments(answer.answer) == []
    assert "000_be7b19c0fddba15e" in cited_docs(answer)


def test_extractive_follow_up_uses_the_history(extractive):
    history = [{"q": ZH_003, "a": "7国[1]。"}]
    answer = extractive.ask("是哪几个国家？", history)
    assert answer.standalone_question != "是哪几个国家？"
    assert "一带一路" in answer.standalone_question
    assert "埃及" in answer.answer


def test_cli_batch_with_the_extractive_backend(built_index, tmp_path):
    from reportqa.cli import main

    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": "a", "question": ZH_001}, ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["--data-dir", str(built_index.settings.data_dir), "ask", "--backend", "extractive",
                     "--batch", str(batch)])
    assert code == 0
    first, second = [json.loads(line) for line in out.getvalue().splitlines()]
    assert first["id"] == "a" and first["backend"] == "extractive" and first["citations"]
    assert "error" in second and second["line"] == 2


@pytest.mark.parametrize(
    "question, doc, facts",
    [
        (ZH_001, "004_aeb844f2ba35a293", [("2023",), ("第三届", "高峰论坛")]),
        (ZH_003, "003_12112d1d53d7aa15", [("7", "七", "埃及")]),  # the count, or the countries listed
        (EN_001, "000_be7b19c0fddba15e", [("CARES",)]),
        (EN_002, "000_be7b19c0fddba15e", [("2025",)]),
    ],
)
def test_local_backend_answers_with_cited_facts(local, question, doc, facts):
    items = list(local.stream(question))
    preview, final = items[0], items[-1]
    assert not preview.final and preview.backend == "extractive"
    assert any(isinstance(i, str) for i in items)
    assert final.final and not final.refused, final.answer
    assert doc in cited_docs(final), (final.answer, final.citations)
    for alternatives in facts:  # each key fact, in any of its accepted forms
        assert any(form in final.answer.replace(",", "") for form in alternatives), final.answer
