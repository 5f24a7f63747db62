from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from evals_fakes import BAD_SCRIPT, GOOD_SCRIPT, SUITE_ITEMS, ScriptedAssistant

from evals.ci_gate import check_floors, load_floors, main as ci_gate_main, parse_floors
from evals.run_comparison import compare_runs
from evals.run_reports import write_reports
from evals.run_summary import RunSummary
from evals.suite import load_suite
from evals.suite_runner import SuiteRunner

INFO = {"suite": "suite.jsonl", "backend": "scripted", "suite_sha256": "s"}


def _run(suite_file: Path, out: Path, script: dict) -> Path:
    SuiteRunner(ScriptedAssistant(script), progress=False).run(load_suite(suite_file), out, INFO)
    return out


@pytest.fixture
def good_run(suite_file: Path, tmp_path: Path) -> Path:
    return _run(suite_file, tmp_path / "good", GOOD_SCRIPT)


@pytest.fixture
def bad_run(suite_file: Path, tmp_path: Path) -> Path:
    return _run(suite_file, tmp_path / "bad", BAD_SCRIPT)


def test_summary_breaks_metrics_down_by_language_and_type(good_run: Path) -> None:
    summary = RunSummary.load(good_run)
    assert summary.overall["recall@1"].n == 3  # answerable items only
    assert summary.overall["refusal"].value == 1.0 and summary.overall["refusal"].n == 1
    assert set(summary.groups["lang"]) == {"zh", "en"}
    assert summary.groups["type"]["multi_doc"]["doc_coverage@10"].value == 1.0
    assert summary.latency["total"]["p50"] == pytest.approx(0.3)
    iv = summary.overall["mrr@10"]
    assert iv.low <= iv.value <= iv.high


def test_reports_are_written_with_escaped_content_and_inline_images(suite_file: Path, tmp_path: Path) -> None:
    # Questions and answers are shown for the weakest items: these two miss a key fact.
    en_001, en_002 = SUITE_ITEMS[1]["question"], SUITE_ITEMS[2]["question"]
    good_run = _run(suite_file, tmp_path / "markup", {
        **GOOD_SCRIPT, en_001: {**GOOD_SCRIPT[en_001], "answer": "About a tenth <b>[1]</b>."},
        en_002: {**GOOD_SCRIPT[en_002], "answer": "Green credit expands."}})
    summary, markdown = write_reports(good_run)
    assert (good_run / "summary.md").read_text(encoding="utf-8") == markdown
    assert "| Recall@5 |" in markdown and "## By question type" in markdown and "## Latency" in markdown
    page = (good_run / "report.html").read_text(encoding="utf-8")
    # Answer and question text that looks like markup is escaped, never injected.
    assert "&lt;b&gt;[1]&lt;/b&gt;" in page and "<b>[1]</b>" not in page
    assert "&lt;goal&gt;" in page and "<goal>" not in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    assert all(base64.b64decode(img).startswith(b"\x89PNG") for img in images)
    assert "<script" not in page
    saved = json.loads((good_run / "summary.json").read_text(encoding="utf-8"))
    assert saved["n_items"] == len(SUITE_ITEMS)


def test_blind_reports_show_metrics_but_no_question_or_answer(bad_run: Path) -> None:
    questions = [item["question"] for item in SUITE_ITEMS]
    _, seen = write_reports(bad_run)
    assert any(q in seen for q in questions)  # the weakest items are shown by default
    summary, markdown = write_reports(bad_run, blind=True)
    page = (bad_run / "report.html").read_text(encoding="utf-8")
    assert "| Key-fact recall |" in markdown and "Key-fact recall" in page
    assert "weakest" not in markdown.lower() and "Weakest items" not in page
    answers = [r["answer"] for r in summary.records if r["answer"]]
    for text in (markdown, page):
        assert not any(q in text for q in questions) and not any(a in text for a in answers)


def test_failed_items_are_listed(suite_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "flaky"
    SuiteRunner(ScriptedAssistant(GOOD_SCRIPT, fail_on=[SUITE_ITEMS[0]["question"]]), progress=False).run(
        load_suite(suite_file), out, INFO)
    summary, markdown = write_reports(out)
    assert len(summary.errors) == 1 and len(summary.records) == 3
    assert "## Failed items" in markdown and "scripted failure" in markdown


def test_compare_reports_deltas_and_items_that_got_worse(good_run: Path, bad_run: Path) -> None:
    comparison = compare_runs(good_run, bad_run)
    assert comparison.common == 4
    deltas = {d.name: d for d in comparison.deltas}
    assert deltas["key_fact_recall"].after < deltas["key_fact_recall"].before
    assert deltas["refusal"].delta.value == -1.0
    assert deltas["recall@1"].delta.low <= deltas["recall@1"].delta.value <= deltas["recall@1"].delta.high
    worse = [c.id for c in comparison.worse]
    assert set(worse) == {"zh-001", "en-002", "zh-002"} and "en-001" not in worse
    markdown = comparison.to_markdown()
    assert "Items that got worse (3" in markdown and "zh-001" in markdown

    same = compare_runs(good_run, good_run)
    assert same.worse == [] and all(d.delta.value == 0 for d in same.deltas)


def test_compare_uses_only_common_items_and_lists_setting_changes(suite_file: Path, tmp_path: Path) -> None:
    items = load_suite(suite_file)
    SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), progress=False).run(items[:2], tmp_path / "a", {**INFO, "k2": 1})
    SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), progress=False).run(items[1:], tmp_path / "b", {**INFO, "k2": 2})
    comparison = compare_runs(tmp_path / "a", tmp_path / "b")
    assert (comparison.common, comparison.only_a, comparison.only_b) == (1, 1, 2)
    assert comparison.setting_changes["k2"] == (1, 2)


def test_ci_gate_floors(good_run: Path, bad_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert parse_floors("recall@5=0.6, citation_precision=0.5") == {"recall@5": 0.6, "citation_precision": 0.5}
    with pytest.raises(ValueError, match="metric=number"):
        parse_floors("recall@5")
    shipped = load_floors()
    assert {"recall@5", "citation_precision", "span_citation_precision", "key_fact_recall"} <= set(shipped)
    floors = {k: shipped[k] for k in ("recall@5", "citation_precision")}
    assert check_floors(RunSummary.load(good_run), floors) == []
    failures = check_floors(RunSummary.load(bad_run), {"citation_precision": 0.9, "nope": 0.1})
    assert any("citation_precision" in f and "below the floor" in f for f in failures)
    assert any("nope: not measured" in f for f in failures)
    two = tmp_path / "floors.toml"
    two.write_text("[floors]\n" + "".join(f'"{k}" = {v}\n' for k, v in floors.items()), encoding="utf-8")
    assert ci_gate_main([str(good_run), "--floors", str(two)]) == 0
    assert ci_gate_main([str(bad_run), "--fail-under", "key_fact_recall=0.9"]) == 1
    assert ci_gate_main([str(tmp_path / "missing")]) == 2
    assert "FAIL key_fact_recall" in capsys.readouterr().out


def test_compare_rescores_runs_made_before_a_metric_existed(suite_file: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), progress=False).run(load_suite(suite_file), old, {**INFO, "suite": str(suite_file)})
    results = old / "results.jsonl"
    records = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    for record in records:  # as written by a version without span-level citation scores
        record["scores"].pop("span_citation_recall", None)
    results.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    names = {d.name for d in compare_runs(old, old).deltas}
    assert "span_citation_recall" in names
    (suite_file).unlink()  # without the suite the stored scores are compared as they are
    assert "span_citation_recall" not in {d.name for d in compare_runs(old, old).deltas}


def test_refusals_are_counted_by_reason_and_gate_test() -> None:
    from evals.markdown_report import refusal_reasons

    records = [
        {"type": "unanswerable", "refused": True, "refusal_reason": "no_evidence",
         "refusal_detail": {"test": "value", "missing": ["money"]}},
        {"type": "fact", "refused": True, "refusal_reason": "no_evidence",
         "refusal_detail": {"test": "closeness", "missing": []}},
        {"type": "unanswerable", "refused": True, "refusal_reason": "weak_retrieval", "refusal_detail": None},
        {"type": "unanswerable", "refused": True, "refusal_reason": "no_evidence",
         "refusal_detail": {"test": "value", "missing": ["figure"]}},
        {"type": "fact", "refused": False},
    ]
    assert refusal_reasons(records) == {"no_evidence: closeness": (0, 1), "no_evidence: value": (2, 0),
                                        "weak_retrieval": (1, 0)}


def test_the_summary_shows_the_refusals_table(good_run: Path) -> None:
    from evals.markdown_report import render_markdown

    text = render_markdown(RunSummary.load(good_run))
    assert "## Refusals by reason" in text and "| unknown | 1 | 0 |" in text  # the scripted refusal has no reason
