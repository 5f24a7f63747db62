from __future__ import annotations

import json
from pathlib import Path

import pytest
from evals_fakes import BAD_SCRIPT, GOOD_SCRIPT, ScriptedAssistant

from evals.suite import load_suite
from evals.suite_runner import SuiteRunner
from reportqa.cli import main

DEV_SET = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "reports_dev.jsonl"


def test_malformed_suite_fails_before_loading_models(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    suite = tmp_path / "bad.jsonl"
    suite.write_text('{"id": "zh-001"}\n', encoding="utf-8")
    code = main(["--data-dir", str(tmp_path / "data"), "eval", str(suite), "--backend", "extractive"])
    assert code == 2
    assert "bad.jsonl, line 1: missing field(s)" in capsys.readouterr().err


def test_bad_filter_and_usage_errors(suite_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "eval", str(suite_file), "--filter", "lang=fr"]) == 2
    assert "lang must be one of" in capsys.readouterr().err
    assert main([*data, "eval", "compare", "only-one"]) == 2
    assert main([*data, "eval", str(suite_file), "--fail-under", "recall@5"]) == 2
    assert main([*data, "eval", "rgb", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_compare_command_prints_deltas(suite_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    items = load_suite(suite_file)
    for name in ("a", "b"):
        SuiteRunner(ScriptedAssistant(GOOD_SCRIPT), progress=False).run(items, tmp_path / name, {"backend": name})
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "| Recall@5 |" in out and "`backend`: 'a' → 'b'" in out


def test_a_blind_comparison_counts_the_items_that_got_worse_without_showing_them(
        suite_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    items = load_suite(suite_file)
    for name, script in (("a", GOOD_SCRIPT), ("b", BAD_SCRIPT)):
        SuiteRunner(ScriptedAssistant(script), progress=False).run(items, tmp_path / name, {"backend": "scripted"})
    runs = ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]
    assert main(runs) == 0
    assert "zh-001" in capsys.readouterr().out
    assert main([*runs, "--blind"]) == 0
    out = capsys.readouterr().out
    assert "Items that got worse (3" in out and "| Key-fact recall |" in out
    assert "zh-001" not in out and not any(item.question in out for item in items)


@pytest.mark.slow
def test_eval_on_the_dev_set_with_the_extractive_backend(built_index, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "run"
    argv = ["--data-dir", str(built_index.settings.data_dir), "eval", str(DEV_SET), "--backend", "extractive",
            "--limit", "10", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert "| Recall@5 |" in printed
    # --limit samples evenly across language and type, and says so.
    assert "evaluating 10 of " in captured.err and "sampled even across language and type (seed 0)" in captured.err
    assert "- sample: 10 of " in printed
    records = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 10 and all("error" not in r for r in records)
    assert all(len(r["retrieved"]) == 10 for r in records)
    assert {r["backend"] for r in records} == {"extractive"}
    answered = [r for r in records if r["type"] != "unanswerable"]
    assert all(0.0 <= r["scores"]["recall@5"] <= 1.0 for r in answered)
    # The real retriever finds the evidence of most of these questions.
    assert sum(r["scores"]["hit@10"] for r in answered) >= len(answered) / 2
    assert {r["lang"] for r in records} == {"zh", "en"} and len({r["type"] for r in records}) >= 4
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["sample"]["n"] == 10 and info["sample"]["seed"] == 0 and info["sample"]["lang"] == {"en": 5, "zh": 5}
    assert info["index_manifest_sha256"] and info["embedder"] == built_index.settings.models.embedder
    assert "<img" in (out / "report.html").read_text(encoding="utf-8")

    # Resuming asks nothing new; a larger --limit only asks the new items.
    assert main([*argv[:-5], "--limit", "12", "--out", str(out), "--no-progress"]) == 0
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12
