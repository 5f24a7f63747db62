"""Ratings in SQLite, and their export as an evaluation suite (``reportqa feedback export``)."""

from __future__ import annotations

import json
import re

import pytest

from reportqa.cli import main
from ui.feedback_export import export_feedback
from ui.feedback_store import FeedbackStore

DEV_SET_FIELDS = ["id", "lang", "type", "question", "answer", "key_facts", "evidence"]


def citation(n, doc_id, quote):
    return {"n": n, "doc_id": doc_id, "doc_title": doc_id.upper(), "section": "", "page": None,
            "text": "passage " + quote, "start": 10, "end": 10 + len(quote), "supported": True, "quote": quote}


@pytest.fixture
def store(tmp_path):
    store = FeedbackStore(tmp_path / "var" / "feedback.sqlite")
    store.add(rating="up", question="数字经济规模多大？", answer="53.9万亿元[1]。", language="zh",
              citations=[citation(1, "alpha", "2023年数字经济规模达到53.9万亿元"), citation(2, "alpha", "2023年数字经济规模达到53.9万亿元")],
              backend="local", manifest_hash="m1")
    store.add(rating="down", question="What about green bonds?", answer="They fund coal [1].", language="en",
              citations=[citation(1, "beta", "Green bonds financed   renewable\nenergy projects " + "x" * 200)],
              backend="openai", manifest_hash="m1", comment="wrong: renewables")
    store.add(rating="down", question="火星人口？", answer="资料中没有找到。", language="zh", refused=True,
              backend="extractive", comment="")
    return store


def test_entries_round_trip_and_filter(store):
    entries = store.entries()
    assert [e.rating for e in entries] == ["up", "down", "down"] and len(store) == 3
    assert entries[1].comment == "wrong: renewables" and entries[1].citations[0]["doc_id"] == "beta"
    assert entries[2].refused is True and entries[2].citations == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", entries[0].created_at)
    assert [e.question for e in store.entries("up")] == ["数字经济规模多大？"]
    store.update(entries[0].id, rating="down", comment="on second thought")
    assert [e.comment for e in store.entries("down")][0] == "on second thought"


def test_bad_input_is_refused(store, tmp_path):
    with pytest.raises(ValueError, match="rating"):
        store.add(rating="meh", question="q", answer="a", language="en")
    with pytest.raises(ValueError, match="question"):
        store.add(rating="up", question="  ", answer="a", language="en")
    with pytest.raises(KeyError):
        store.update(999, rating="up")
    (tmp_path / "junk.sqlite").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ValueError, match="not a feedback database"):
        FeedbackStore(tmp_path / "junk.sqlite")


def test_export_writes_the_dev_set_format(store, tmp_path):
    out = tmp_path / "suite" / "feedback.jsonl"
    assert export_feedback(store, out, only="all") == 3
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [list(item)[:7] for item in items] == [DEV_SET_FIELDS] * 3
    up, down, refused = items
    assert up["id"] == "fb-0001" and up["type"] == "feedback" and up["lang"] == "zh" and up["draft"] is True
    assert up["answer"] == "53.9万亿元[1]。"
    assert up["evidence"] == [{"doc": "alpha", "quote": "2023年数字经济规模达到53.9万亿元"}]  # deduplicated
    meta = up["meta"]
    assert (meta["rating"], meta["comment"], meta["backend"], meta["manifest_hash"]) == ("up", "", "local", "m1")
    # A wrong answer and what it cited are no gold: kept for the reviewer in meta only.
    assert down["answer"] == "" and down["evidence"] == []
    quote = down["meta"]["cited"][0]["quote"]
    assert quote.startswith("Green bonds financed renewable energy projects x") and len(quote) == 150
    assert (down["meta"]["rating"], down["meta"]["comment"], down["meta"]["rated_answer"]) == (
        "down", "wrong: renewables", "They fund coal [1].")
    assert refused["evidence"] == [] and refused["meta"]["refused"] is True and refused["key_facts"] == []
    assert refused["type"] == "feedback"  # refused, and the refusal was rated wrong: answerable


def test_exported_feedback_is_a_suite_eval_loads_and_scores(store, tmp_path, monkeypatch, capsys):
    """Ratings -> ``reportqa feedback export`` -> ``load_suite``, and each item scores what it has."""
    from evals.item_scores import score_item
    from evals.suite import load_suite

    refused_up = store.add(rating="up", question="火星上有报告吗？", answer="资料中没有找到。", language="zh",
                           refused=True, backend="extractive")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "feedback.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    items = load_suite(out)
    assert [(i.id, i.type, i.answerable, i.draft) for i in items] == [
        ("fb-0001", "feedback", True, True), ("fb-0002", "feedback", True, True),
        ("fb-0003", "feedback", True, True), (f"fb-{refused_up:04d}", "unanswerable", False, True)]
    assert items[1].meta["comment"] == "wrong: renewables"
    passage = {"doc_id": "alpha", "text": "2023年数字经济规模达到53.9万亿元。", "rank": 1}
    record = {"answer": "53.9万亿元[1]。", "refused": False, "citations": [passage], "retrieved": [passage]}
    scores = [score_item(item, record) for item in items]
    assert scores[0]["recall@1"] == 1.0 and scores[0]["citation_precision"] == 1.0 and scores[0]["token_f1"] == 1.0
    assert "key_fact_recall" not in scores[0]  # no key facts yet
    # nothing gold but the question (and, for an English question, the script of the answer)
    assert set(scores[1]) - {"english_without_chinese", "english_lead"} == {"language_match", "false_refusal", "has_citation"}
    assert scores[3] == {"language_match": 1.0, "refusal": 0.0}
    # The exported item keeps the format: written back, it loads the same.
    again = tmp_path / "again.jsonl"
    again.write_text("".join(json.dumps(i.to_dict(), ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    assert load_suite(again) == items


def test_cli_export(store, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # settings.data_dir defaults to ./var
    out = tmp_path / "down.jsonl"
    assert main(["feedback", "export", "--only", "down", "--out", str(out)]) == 0
    assert "Wrote 2 item(s)" in capsys.readouterr().out
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["fb-0002", "fb-0003"]
    assert main(["feedback", "export", "--only", "up"]) == 0
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == ["fb-0001"]
    assert main(["--data-dir", str(tmp_path / "empty"), "feedback", "export"]) == 1
    assert "no feedback yet" in capsys.readouterr().err
