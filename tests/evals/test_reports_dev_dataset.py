"""The hand-written dev evaluation set must stay valid against the report texts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.datasets.check_quotes import check_dataset

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASET = REPO_ROOT / "evals" / "datasets" / "reports_dev.jsonl"
REPORTS = REPO_ROOT / "data" / "reports"


def _items() -> list[dict]:
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    assert any(REPORTS.glob("*.txt")), f"no report texts in {REPORTS}"
    return _items()


def test_dataset_has_no_errors(items):
    errors = check_dataset(DATASET, REPORTS)
    assert errors == [], "\n".join(errors)


def test_dataset_counts(items):
    langs = Counter(item["lang"] for item in items)
    per = Counter((item["lang"], item["type"]) for item in items)
    assert len(items) >= 60
    assert set(langs) == {"zh", "en"}
    assert abs(langs["zh"] - langs["en"]) <= 2
    for lang in ("zh", "en"):
        assert per[(lang, "unanswerable")] >= 4, lang
        assert per[(lang, "multi_doc")] >= 3, lang
    # every report is cited somewhere
    cited = {ev["doc"] for item in items for ev in item["evidence"]}
    assert cited == {p.stem for p in REPORTS.glob("*.txt")}


def test_wrong_quote_is_reported(items, tmp_path):
    good = next(item for item in items if item["type"] == "fact")
    bad = json.loads(json.dumps(good))
    bad["id"] = "zh-999" if bad["lang"] == "zh" else "en-999"
    bad["evidence"] = [{"doc": good["evidence"][0]["doc"], "quote": "这句话根本不在任何一份报告里出现过，用来测试校验脚本。"}]
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text(
        json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(bad, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    errors = check_dataset(dataset, REPORTS)
    assert len(errors) == 1, errors
    assert bad["id"] in errors[0] and "not found" in errors[0]
    assert bad["evidence"][0]["doc"] in errors[0]


def test_schema_violations_are_reported(items, tmp_path):
    base = next(item for item in items if item["type"] == "fact")
    broken = [
        dict(base, id="en-901", type="unanswerable"),  # unanswerable with evidence
        dict(base, id="en-902", type="multi_doc"),  # only one doc
        dict(base, id="en-903", lang="fr"),  # bad lang
        dict(base, id="en-904", evidence=[{"doc": "999_missing", "quote": base["evidence"][0]["quote"]}]),
        {k: v for k, v in base.items() if k != "answer"} | {"id": "en-905"},  # missing field
        dict(base, id="en-901"),  # duplicate id
    ]
    dataset = tmp_path / "broken.jsonl"
    dataset.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in broken) + "\n", encoding="utf-8")
    text = "\n".join(check_dataset(dataset, REPORTS))
    for needle in ("[en-901]", "[en-902]", "[en-903]", "[en-904]", "[en-905]", "duplicate id", "999_missing"):
        assert needle in text, needle


@pytest.mark.parametrize("name", sorted(p.name for p in DATASET.parent.glob("reports_*.jsonl")))
def test_every_suite_shipped_is_valid(name):
    errors = check_dataset(DATASET.parent / name, REPORTS)
    assert errors == [], "\n".join(errors)
