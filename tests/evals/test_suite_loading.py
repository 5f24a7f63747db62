from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.suite import SuiteFormatError, load_suite, parse_filter, select_items


def test_loads_items_with_history(suite_file: Path) -> None:
    items = load_suite(suite_file)
    assert [i.id for i in items] == ["zh-001", "en-001", "en-002", "zh-002"]
    assert items[2].history == ({"q": "What is green credit?", "a": "Loans for green projects."},)
    assert not items[3].answerable and items[3].evidence == ()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: invalid JSON"),
        (json.dumps({"id": "x"}), "line 2: missing field(s): lang, type"),
        (json.dumps({"id": "x", "lang": "fr", "type": "fact", "question": "q", "answer": "a", "key_facts": ["f"],
                     "evidence": [{"doc": "d", "quote": "q"}]}), "line 2: lang must be one of zh, en"),
        (json.dumps({"id": "x", "lang": "en", "type": "fact", "question": "q", "answer": "a", "key_facts": ["f"],
                     "evidence": []}), "line 2: a 'fact' item needs"),
        (json.dumps({"id": "x", "lang": "en", "type": "unanswerable", "question": "q", "answer": "a",
                     "key_facts": [], "evidence": [{"doc": "d", "quote": "q"}]}), "unanswerable item must have empty"),
        (json.dumps({"id": "zh-001", "lang": "zh", "type": "unanswerable", "question": "q", "answer": "a",
                     "key_facts": [], "evidence": []}), "line 2: duplicate id 'zh-001' (first on line 1)"),
        (json.dumps({"id": "x", "lang": "en", "type": "unanswerable", "question": "q", "answer": "a",
                     "key_facts": [], "evidence": [], "history": [{"q": "only a question"}]}), "history must be"),
        (json.dumps({"id": "x", "lang": "en", "type": "unanswerable", "question": "q", "answer": "a",
                     "key_facts": [], "evidence": [], "extra": 1}), "unknown field(s): extra"),
    ],
)
def test_malformed_lines_name_the_line_and_problem(tmp_path: Path, line: str, message: str) -> None:
    good = json.dumps({"id": "zh-001", "lang": "zh", "type": "unanswerable", "question": "问题", "answer": "无",
                       "key_facts": [], "evidence": []}, ensure_ascii=False)
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(SuiteFormatError) as info:
        load_suite(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_empty_missing_and_non_utf8_files(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(SuiteFormatError, match="no items"):
        load_suite(tmp_path / "empty.jsonl")
    with pytest.raises(SuiteFormatError, match="no such file"):
        load_suite(tmp_path / "missing.jsonl")
    (tmp_path / "gbk.jsonl").write_bytes('{"id": "中文"}'.encode("gbk"))
    with pytest.raises(SuiteFormatError, match="not UTF-8"):
        load_suite(tmp_path / "gbk.jsonl")


def test_filter(suite_file: Path) -> None:
    items = load_suite(suite_file)
    assert [i.id for i in select_items(items, parse_filter("lang=en"))] == ["en-001", "en-002"]
    assert [i.id for i in select_items(items, parse_filter("lang=en,type=multi_doc"))] == ["en-002"]
    assert [i.id for i in select_items(items, parse_filter("type=fact,type=unanswerable"))] == [
        "zh-001", "en-001", "zh-002"]
    assert select_items(items, parse_filter("type=lists")) == []  # any label may be asked for
    with pytest.raises(ValueError, match="cannot filter on 'color'"):
        parse_filter("color=red")
    with pytest.raises(ValueError, match="key=value"):
        parse_filter("lang")


def test_type_is_the_evaluators_own_label(tmp_path: Path) -> None:
    """Any non-empty label is accepted and kept; only "unanswerable" has a meaning (must be refused)."""
    base = {"lang": "en", "question": "q", "answer": "a", "key_facts": ["f"], "evidence": [{"doc": "d", "quote": "q"}]}
    lines = [dict(base, id="a", type="numeric lookup"), dict(base, id="b", type="比较"),
             dict(base, id="c", type="unanswerable", key_facts=[], evidence=[])]
    path = tmp_path / "own.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    items = load_suite(path)
    assert [(i.type, i.answerable) for i in items] == [("numeric lookup", True), ("比较", True), ("unanswerable", False)]
    assert [i.id for i in select_items(items, parse_filter("type=比较"))] == ["b"]
    path.write_text(json.dumps(dict(base, id="d", type=" ")), encoding="utf-8")
    with pytest.raises(SuiteFormatError, match="field 'type' must be a non-empty string"):
        load_suite(path)


def test_the_dev_set_loads() -> None:
    path = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "reports_dev.jsonl"
    items = load_suite(path)
    assert len({i.lang for i in items}) == 2
