"""Write a run's ``summary.md``, ``report.html`` and ``summary.json`` next to its results."""

from __future__ import annotations

import json
from pathlib import Path

from evals.html_report import render_html
from evals.markdown_report import render_markdown
from evals.run_summary import RunSummary

SUMMARY_MD, REPORT_HTML, SUMMARY_JSON = "summary.md", "report.html", "summary.json"


def write_reports(run_dir: str | Path, *, blind: bool = False) -> tuple[RunSummary, str]:
    """Summarise the run in ``run_dir``, write its reports and return the summary and Markdown.
    ``blind`` reports leave out the weakest items' questions and answers (metrics and counts only),
    for a frozen test set that the people who tune the assistant must not read."""
    run_dir = Path(run_dir)
    summary = RunSummary.load(run_dir)
    items = {"worst": 0} if blind else {}  # else each report's own default
    markdown = render_markdown(summary, **items)
    (run_dir / SUMMARY_MD).write_text(markdown, encoding="utf-8")
    (run_dir / REPORT_HTML).write_text(render_html(summary, **items), encoding="utf-8")
    (run_dir / SUMMARY_JSON).write_text(
        json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return summary, markdown
