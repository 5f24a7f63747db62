"""The HTML report's weakest items and its layout on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.html_report import render_html
from evals.markdown_report import render_markdown, worst_items
from evals.run_summary import RunSummary

TITLE = "“一带一路”数字经济合作报告 <2023>"


def _record(rid: str, key_fact_recall: float, *, qtype: str = "fact", lang: str = "zh") -> dict:
    """A scored record as the runner writes it, with passages of one titled report."""
    passage = {"rank": 1, "chunk_id": f"digital-{rid}-0007", "doc_id": "digital_silk_road", "doc_title": TITLE,
               "score": 0.5, "text": "数字经济合作", "start": 0, "end": 6}
    return {
        "id": rid, "lang": lang, "type": qtype, "question": f"问题 {rid}", "history": [],
        "gold": {"answer": "答案", "key_facts": ["事实"]}, "answer": "回答", "refused": False,
        "retrieved": [passage, dict(passage, rank=2, chunk_id=f"other-{rid}", doc_id="other", doc_title="")],
        "citations": [{"n": 1, "doc_id": "digital_silk_road", "doc_title": TITLE, "start": 0, "end": 6,
                       "supported": True, "span": "数字经济", "text": "数字经济合作"}],
        "timings": {"total": 0.1},
        "scores": {"key_fact_recall": key_fact_recall, "recall@5": 1.0, "citation_recall": 1.0},
    }


def _summary(records: list[dict], **info) -> RunSummary:
    return RunSummary.from_records(records, {"suite": "s.jsonl", "backend": "extractive", **info}, n_resamples=20)


def test_weakest_items_are_the_lowest_scoring_and_never_perfect() -> None:
    records = [_record("a", 1.0), _record("b", 0.0), _record("c", 0.5), _record("d", 1.0)]
    weakest = worst_items(records, 3)
    assert [r["id"] for r in weakest] == ["b", "c"]
    page = render_html(_summary(records), worst=3)
    shown = page.split("<h2>Weakest items</h2>", 1)[1]
    assert "quality 0.50" in shown and "quality 0.75" in shown and "quality 1.00" not in shown
    perfect = render_html(_summary([_record("a", 1.0)]))
    assert "No item scored below 1.00." in perfect and "quality 1.00" not in perfect
    assert "weakest" not in render_markdown(_summary([_record("a", 1.0)]))


def test_items_show_report_titles_not_chunk_ids() -> None:
    page = render_html(_summary([_record("b", 0.0)]))
    shown = page.split("<h2>Weakest items</h2>", 1)[1]
    escaped = "“一带一路”数字经济合作报告 &lt;2023&gt;"
    assert f"<b>{escaped}</b>" in shown  # the cited report
    assert f"top retrieved: {escaped} <span class=muted>(1)</span>; other" in shown  # untitled: its file stem
    assert "digital-b-0007" not in page and "#" not in shown.split("<h2>Run</h2>")[0]
    assert escaped in render_markdown(_summary([_record("b", 0.0)]))


def test_breakdowns_use_the_suites_own_labels_and_the_sample_is_stated() -> None:
    records = [_record("a", 0.2, qtype="数值"), _record("b", 0.4, qtype="how & why", lang="en")]
    sample = {"method": "even across language and type", "seed": 4, "limit": 2, "population": 9, "n": 2,
              "lang": {"en": 1, "zh": 1}, "type": {"how & why": 1, "数值": 1}}
    summary = _summary(records, sample=sample)
    assert set(summary.groups["type"]) == {"数值", "how & why"}
    page, markdown = render_html(summary), render_markdown(summary)
    assert "<tr><td>how &amp; why</td><td class=num>1</td>" in page and "<tr><td>数值</td>" in page
    line = "2 of 9 items sampled even across language and type (seed 4): en 1, zh 1; how &amp; why 1, 数值 1"
    assert f"Sample: {line}." in page
    assert "- sample: 2 of 9 items sampled even across language and type (seed 4)" in markdown


@pytest.mark.browser
@pytest.mark.slow
def test_the_report_fits_a_phone_screen(chromium, tmp_path: Path) -> None:
    long_id = "zh-" + "x" * 120
    records = [_record(f"r{n}", n / 20, qtype=f"type-{n % 6}") for n in range(12)] + [_record(long_id, 0.0)]
    records[0]["answer"] = "没有空格的很长的回答" * 40
    page_html = render_html(_summary(records, index_manifest_sha256="f" * 64, command=["a" * 200]))
    path = tmp_path / "report.html"
    path.write_text(page_html, encoding="utf-8")
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page_width, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert client == 390 and page_width <= client, f"the page is {page_width}px wide on a {client}px screen"
        # Wide tables scroll in their own box instead of squeezing the labels to a letter per line.
        narrowest = page.evaluate("Math.min(...[...document.querySelectorAll('td:first-child')]"
                                  ".map(td => td.getBoundingClientRect().width))")
        assert narrowest >= 100, f"a table's label column is only {narrowest}px wide"
        page.screenshot(path=tmp_path / "report_390.png", full_page=False)
        print(f"screenshot: {tmp_path / 'report_390.png'}")
    finally:
        context.close()
