from __future__ import annotations

import json
from pathlib import Path

import pytest
from evals_fakes import GOOD_SCRIPT, SUITE_ITEMS, ScriptedAssistant, result

from evals.suite import load_suite
from evals.suite_runner import (
    RESULTS_FILE,
    RUN_FILE,
    RunMismatchError,
    SuiteRunner,
    read_records,
    rescore_results,
    write_run_info,
)

INFO = {"suite_sha256": "abc", "backend": "scripted", "index_manifest_sha256": "m1", "settings": {"x": 1}}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_records_answers_passages_citations_and_scores(suite_file: Path, tmp_path: Path) -> None:
    assistant = ScriptedAssistant(GOOD_SCRIPT)
    results = SuiteRunner(assistant, progress=False).run(load_suite(suite_file), tmp_path / "run", INFO)
    records = {r["id"]: r for r in _lines(results)}
    assert set(records) == {item["id"] for item in SUITE_ITEMS}
    first = records["zh-001"]
    assert first["retrieved"][0]["doc_id"] == "green"
    assert first["citations"][0]["text"] == GOOD_SCRIPT[SUITE_ITEMS[0]["question"]]["passages"][0][1]
    assert first["scores"]["recall@1"] == 1.0
    assert first["scores"]["citation_precision"] == 1.0
    assert first["scores"]["key_fact_recall"] == 1.0
    assert records["en-001"]["scores"]["mrr@10"] == 0.5
    assert records["en-002"]["scores"]["doc_coverage@10"] == 1.0
    assert records["zh-002"]["scores"] == {"language_match": 1.0, "refusal": 1.0}
    assert first["timings"]["total"] == 0.3 and "wall" in first["timings"]
    # history is passed through to the assistant
    assert assistant.calls[2][1] == [{"q": "What is green credit?", "a": "Loans for green projects."}]
    run_info = json.loads((tmp_path / "run" / RUN_FILE).read_text())
    assert run_info["backend"] == "scripted" and run_info["k"] == 10


def test_resume_skips_answered_items_and_retries_failures(suite_file: Path, tmp_path: Path) -> None:
    items = load_suite(suite_file)
    out = tmp_path / "run"
    flaky = ScriptedAssistant(GOOD_SCRIPT, fail_on=[SUITE_ITEMS[1]["question"]])
    SuiteRunner(flaky, progress=False).run(items[:3], out, INFO)
    assert len(flaky.calls) == 3
    assert "error" in read_records(out / RESULTS_FILE)["en-001"]

    again = ScriptedAssistant(GOOD_SCRIPT)
    SuiteRunner(again, progress=False).run(items, out, INFO)
    assert [q for q, _ in again.calls] == [SUITE_ITEMS[1]["question"], SUITE_ITEMS[3]["question"]]
    records = read_records(out / RESULTS_FILE)
    assert all("error" not in r for r in records.values()) and len(records) == 4

    third = ScriptedAssistant(GOOD_SCRIPT)
    SuiteRunner(third, progress=False).run(items, out, INFO)
    assert third.calls == []


def test_a_torn_last_line_is_dropped_and_redone(suite_file: Path, tmp_path: Path) -> None:
    items = load_suite(suite_file)
    out = tmp_path / "run"
    SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), progress=False).run(items[:2], out, INFO)
    path = out / RESULTS_FILE
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")  # crash mid-write
    again = ScriptedAssistant(GOOD_SCRIPT)
    SuiteRunner(again, progress=False).run(items[:2], out, INFO)
    assert [q for q, _ in again.calls] == [SUITE_ITEMS[1]["question"]]
    assert [r["id"] for r in _lines(path)] == ["zh-001", "en-001"]


def test_a_complete_last_line_without_newline_is_kept(suite_file: Path, tmp_path: Path) -> None:
    items = load_suite(suite_file)
    out = tmp_path / "run"
    SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), progress=False).run(items[:1], out, INFO)
    path = out / RESULTS_FILE
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    again = ScriptedAssistant(GOOD_SCRIPT)
    SuiteRunner(again, progress=False).run(items[:2], out, INFO)
    assert [q for q, _ in again.calls] == [SUITE_ITEMS[1]["question"]]
    assert len(_lines(path)) == 2


def test_resuming_a_different_run_is_refused(tmp_path: Path) -> None:
    write_run_info(tmp_path, INFO)
    write_run_info(tmp_path, {**INFO, "limit": 5})  # the selection may grow
    assert json.loads((tmp_path / RUN_FILE).read_text())["resumed"] == 1
    with pytest.raises(RunMismatchError, match="different backend, index_manifest_sha256"):
        write_run_info(tmp_path, {**INFO, "backend": "other", "index_manifest_sha256": "m2"})


def test_a_separate_retriever_ranks_the_retrieval_metrics(suite_file: Path, tmp_path: Path) -> None:
    class Retriever:
        def __init__(self) -> None:
            self.queries: list[tuple[str, int | None]] = []

        def retrieve(self, query: str, *, k: int | None = None):
            self.queries.append((query, k))
            return [result("noise", "无关", rank) for rank in range(1, 3)]

    retriever = Retriever()
    items = load_suite(suite_file)[:1]
    path = SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), retriever=retriever, k=7, progress=False).run(
        items, tmp_path, INFO)
    record = _lines(path)[0]
    assert retriever.queries == [(items[0].question, 7)]
    assert record["retrieval_source"] == "retriever" and record["scores"]["recall@10"] == 0.0


def test_runner_validates_its_arguments() -> None:
    with pytest.raises(TypeError, match="ask"):
        SuiteRunner(object())
    with pytest.raises(ValueError, match="k must be at least 1"):
        SuiteRunner(ScriptedAssistant({}), k=0)


def test_rescoring_uses_the_current_metrics_and_gold_without_asking(suite_file: Path, tmp_path: Path) -> None:
    items = load_suite(suite_file)
    path = SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), progress=False).run(items, tmp_path, INFO)
    lines = _lines(path)
    lines[0]["scores"] = {"key_fact_recall": 0.0}  # stale scores from older metric code
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    changed = [items[0].__class__(**{**items[0].__dict__, "key_facts": ("不存在的事实",)}), *items[1:]]
    assert rescore_results(path, changed) == 4
    records = read_records(path)
    assert records["zh-001"]["scores"]["key_fact_recall"] == 0.0
    assert records["zh-001"]["scores"]["recall@1"] == 1.0
    assert records["zh-001"]["gold"]["key_facts"] == ["不存在的事实"]
    assert records["en-001"]["scores"]["mrr@10"] == 0.5
