"""A self-contained HTML report (inline CSS and base64 PNG figures, no scripts).

Every string that comes from a document, a question or an answer goes through ``html.escape``:
report text is untrusted input and must not be able to inject markup into the page.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from evals.item_sample import describe_sample
from evals.item_scores import METRICS
from evals.markdown_report import TYPE_TABLE_METRICS, doc_label, item_quality, worst_items
from evals.plots import latency_histogram_png, recall_curves_png, type_bars_png
from evals.run_summary import RunSummary

# Readable on a phone (390 px): wide tables scroll inside their own box, long ids and hashes
# wrap anywhere, figures shrink to the screen; the page itself never scrolls sideways.
_STYLE = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2rem auto;max-width:72rem;
color:#1d1d1f;line-height:1.45;padding:0 1rem;overflow-wrap:anywhere}
.table{overflow-x:auto;max-width:100%;margin:1rem 0}
table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top;overflow-wrap:normal}td:first-child{min-width:7rem}th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
figure{display:inline-block;margin:.5rem 1rem .5rem 0;max-width:100%}img{max-width:100%;height:auto}
.item{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.src{font-size:.85rem;color:#444;background:#fafafa;border-left:3px solid #bbb;padding:.3rem .6rem;margin:.3rem 0}
.muted{color:#666;font-size:.85rem}pre{white-space:pre-wrap;font-size:.8rem}
@media (max-width:40rem){body{margin:1rem auto;padding:0 .6rem}.item{padding:.5rem .6rem}
figure{margin:.5rem 0}h1{font-size:1.4rem}}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _figure(png: str | None, caption: str) -> str:
    if png is None:
        return ""
    return (f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{png}">'
            f"<figcaption class=muted>{_e(caption)}</figcaption></figure>")


def _metric_table(summary: RunSummary) -> str:
    langs = list(summary.groups.get("lang", {}))
    head = "".join(f"<th>{_e(x)}</th>" for x in ["metric", "all", *langs])
    rows = []
    for name, interval in summary.overall.items():
        cells = [interval, *(summary.groups["lang"][lang].get(name) for lang in langs)]
        label = METRICS[name].label if name in METRICS else name
        tds = "".join(
            f"<td class=num>{_e(iv.format(3))} <span class=muted>n={iv.n}</span></td>" if iv is not None and iv.n
            else "<td class=num>–</td>"
            for iv in cells
        )
        rows.append(f"<tr><td>{_e(label)}</td>{tds}</tr>")
    return f"<div class=table><table><tr>{head}</tr>{''.join(rows)}</table></div>"


def _type_table(summary: RunSummary) -> str:
    by_type = summary.groups.get("type", {})
    shown = [m for m in TYPE_TABLE_METRICS if m in summary.overall]
    head = "".join(f"<th>{_e(METRICS[m].label)}</th>" for m in shown)
    counts = summary.counts("type")
    rows = "".join(
        f"<tr><td>{_e(qtype)}</td><td class=num>{counts.get(qtype, 0)}</td>"
        + "".join(
            f"<td class=num>{_e(row[m].format(2))}</td>" if m in row and row[m].n else "<td class=num>–</td>"
            for m in shown
        )
        + "</tr>"
        for qtype, row in by_type.items()
    )
    return f"<div class=table><table><tr><th>type</th><th>n</th>{head}</tr>{rows}</table></div>"


def _latency_table(latency: Mapping[str, Mapping[str, float]]) -> str:
    if not latency:
        return "<p class=muted>No timings recorded.</p>"
    rows = "".join(
        f"<tr><td>{_e(stage)}</td><td class=num>{row['p50']:.3f}</td><td class=num>{row['p95']:.3f}</td>"
        f"<td class=num>{int(row['n'])}</td></tr>"
        for stage, row in latency.items()
    )
    return f"<div class=table><table><tr><th>stage</th><th>p50 (s)</th><th>p95 (s)</th><th>n</th></tr>{rows}</table></div>"


def _retrieved_reports(passages: list[Mapping[str, Any]]) -> str:
    """The reports of the top passages by title, each with the ranks it holds: "Title (1, 3)"."""
    ranks: dict[str, list[str]] = {}
    for position, passage in enumerate(passages, start=1):
        ranks.setdefault(doc_label(passage), []).append(str(passage.get("rank", position)))
    return "; ".join(f"{_e(title)} <span class=muted>({', '.join(r)})</span>" for title, r in ranks.items())


def _item_html(record: Mapping[str, Any]) -> str:
    scores = ", ".join(f"{_e(k)}={v:.2f}" for k, v in record.get("scores", {}).items())
    gold = record.get("gold", {})
    sources = "".join(
        f'<div class=src>[{_e(c["n"])}] <b>{_e(doc_label(c))}</b>'
        f'{"" if c.get("supported", True) else " <i>(unsupported)</i>"}: {_e(c.get("span") or c["text"])}</div>'
        for c in record.get("citations", [])
    ) or "<p class=muted>No citations.</p>"
    retrieved = _retrieved_reports(record.get("retrieved", [])[:5])
    history = "".join(
        f"<div class=muted>earlier: Q {_e(t['q'])} / A {_e(t['a'])}</div>" for t in record.get("history", [])
    )
    return (
        f"<div class=item><p><b>{_e(record['id'])}</b> <span class=muted>{_e(record['lang'])} · "
        f"{_e(record['type'])} · quality {item_quality(record):.2f}{' · refused' if record.get('refused') else ''}"
        f"</span></p>{history}<p><b>Q:</b> {_e(record['question'])}</p>"
        f"<p><b>Answer:</b> {_e(record['answer'])}</p>"
        f"<p><b>Gold:</b> {_e(gold.get('answer', ''))} <span class=muted>key facts: "
        f"{_e(' | '.join(gold.get('key_facts', [])))}</span></p>"
        f"{sources}<p class=muted>top retrieved: {retrieved or '–'}</p>"
        f"<p class=muted>{scores}</p></div>"
    )


def _weakest_html(weakest: list[dict]) -> str:
    return f"""<h2>Weakest items</h2>
<p class=muted>The lowest-scoring items (never one with full marks), by 0.5·key-fact recall + 0.25·Recall@5 +
0.25·citation recall (unanswerable: 1 if refused).</p>
{"".join(_item_html(r) for r in weakest) or "<p>No item scored below 1.00.</p>"}"""


def render_html(summary: RunSummary, *, worst: int = 15) -> str:
    """The full report page as one string; ``worst=0`` leaves the weakest items out."""
    info = summary.info
    title = f"reportqa evaluation: {info.get('suite', 'suite')} ({info.get('backend', '?')})"
    figures = "".join([
        _figure(recall_curves_png(summary), "Recall@k per language"),
        _figure(type_bars_png(summary, ["recall@5", "key_fact_recall", "citation_precision", "refusal"]),
                "Metrics by question type"),
        _figure(latency_histogram_png(summary.records), "Latency"),
    ])
    errors = "".join(f"<li>{_e(r['id'])}: {_e(r['error'])}</li>" for r in summary.errors)
    settings = json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    weakest = worst_items(summary.records, worst)
    sample = f"<p class=muted>Sample: {_e(describe_sample(info['sample']))}.</p>" if info.get("sample") else ""
    types_note = ", ".join(f"{_e(t)}={n}" for t, n in summary.counts("type").items())
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1">
<title>{_e(title)}</title><style>{_STYLE}</style></head><body>
<h1>{_e(title)}</h1>
<p class=muted>{len(summary.records)} items ({types_note}){f"; {len(summary.errors)} failed" if summary.errors else ""}.
Means with 95 % bootstrap intervals; n counts the items each metric applies to.</p>
{sample}
{_metric_table(summary)}
<h2>By question type</h2>{_type_table(summary)}
<h2>Figures</h2>{figures}
<h2>Latency</h2>{_latency_table(summary.latency)}
{_weakest_html(weakest) if worst else ""}
{f"<h2>Failed items</h2><ul>{errors}</ul>" if errors else ""}
<h2>Run</h2><pre>{_e(settings)}</pre>
</body></html>
"""
