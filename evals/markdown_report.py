"""The Markdown summary printed after a run and saved as ``summary.md``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evals.item_sample import describe_sample
from evals.item_scores import METRICS
from evals.metrics.bootstrap import Interval
from evals.run_summary import RunSummary

# The metrics shown per question type: one or two per family keeps the table readable.
TYPE_TABLE_METRICS = (
    "recall@5", "mrr@10", "key_fact_recall", "rouge_l", "citation_precision", "refusal", "false_refusal",
)


def item_quality(record: Mapping[str, Any]) -> float:
    """One number to rank items worst-first: facts found, evidence retrieved and cited.

    Unanswerable items score 1 when refused, 0 when answered.
    """
    scores = record.get("scores", {})
    if "refusal" in scores:
        return scores["refusal"]
    return (
        0.5 * scores.get("key_fact_recall", 0.0)
        + 0.25 * scores.get("recall@5", 0.0)
        + 0.25 * scores.get("citation_recall", 0.0)
    )


def worst_items(records: Sequence[Mapping[str, Any]], n: int = 10) -> list[Mapping[str, Any]]:
    """The ``n`` lowest-quality items, worst first; an item with full marks is never "weak"."""
    weak = [r for r in records if item_quality(r) < 1.0]
    return sorted(weak, key=lambda r: (item_quality(r), r["id"]))[:n]


def refusal_reasons(records: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """Refused items counted by reason (``no_evidence`` split by the gate's test, e.g.
    ``no_evidence: value``): ``reason -> (unanswerable, answerable)``."""
    counts: dict[str, list[int]] = {}
    for record in records:
        if not record.get("refused"):
            continue
        reason = record.get("refusal_reason") or "unknown"
        if detail := record.get("refusal_detail"):
            reason = f"{reason}: {detail['test']}"
        counts.setdefault(reason, [0, 0])[record.get("type") != "unanswerable"] += 1
    return {reason: (c[0], c[1]) for reason, c in sorted(counts.items())}


def doc_label(entry: Mapping[str, Any]) -> str:
    """A passage's or citation's report as people know it: its title (the file stem in older runs)."""
    return str(entry.get("doc_title") or entry["doc_id"])


def _label(name: str) -> str:
    return METRICS[name].label if name in METRICS else name


def _cell(interval: Interval | None) -> str:
    if interval is None or interval.n == 0:
        return "–"
    return f"{interval.format(3)} (n={interval.n})"


def _escape_cell(text: str) -> str:
    """One line, no table breaks, no raw HTML (summary.md may be rendered on a forge)."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_markdown(summary: RunSummary, *, worst: int = 5) -> str:
    """The whole summary: settings, metrics by language, by question type, latency, worst items."""
    info = summary.info
    lines = [f"# Evaluation: {info.get('suite', 'suite')}", ""]
    facts = [
        ("items", f"{len(summary.records)}" + (f" ({len(summary.errors)} failed)" if summary.errors else "")),
        ("back-end", info.get("backend", "?")),
        ("chat model", info.get("chat_model", "–")),
        ("embedder", info.get("embedder", "–")),
        ("index manifest", (info.get("index_manifest_sha256") or "–")[:12]),
        ("retrieval depth k", str(info.get("k", "?"))),
    ]
    if info.get("sample"):
        facts.insert(1, ("sample", describe_sample(info["sample"])))
    lines += [f"- {name}: {value}" for name, value in facts]
    lines += ["", "Means with 95 % bootstrap intervals (1000 resamples, seeded); n = items the metric applies to.", ""]

    langs = list(summary.groups.get("lang", {}))
    lines.append("| metric | all | " + " | ".join(langs) + " |")
    lines.append("|---|---|" + "---|" * len(langs))
    for name, interval in summary.overall.items():
        by_lang = [_cell(summary.groups["lang"][lang].get(name)) for lang in langs]
        arrow = "" if METRICS.get(name, None) is None or METRICS[name].higher_is_better else " (lower is better)"
        lines.append(f"| {_label(name)}{arrow} | {_cell(interval)} | " + " | ".join(by_lang) + " |")

    types = list(summary.groups.get("type", {}))
    shown = [m for m in TYPE_TABLE_METRICS if m in summary.overall]
    if types and shown:
        lines += ["", "## By question type", ""]
        lines.append("| type | n | " + " | ".join(_label(m) for m in shown) + " |")
        lines.append("|---|---|" + "---|" * len(shown))
        counts = summary.counts("type")
        for qtype in types:
            row = summary.groups["type"][qtype]
            cells = [row[m].format(2) if m in row and row[m].n else "–" for m in shown]
            lines.append(f"| {_escape_cell(qtype)} | {counts.get(qtype, 0)} | " + " | ".join(cells) + " |")

    reasons = refusal_reasons(summary.records)
    if reasons:
        lines += ["", "## Refusals by reason", "", "| reason | unanswerable | answerable |", "|---|---|---|"]
        for reason, (unanswerable, answerable) in reasons.items():
            lines.append(f"| {reason} | {unanswerable} | {answerable} |")

    if summary.latency:
        lines += ["", "## Latency (seconds)", "", "| stage | p50 | p95 | n |", "|---|---|---|---|"]
        for stage, row in summary.latency.items():
            lines.append(f"| {stage} | {row['p50']:.3f} | {row['p95']:.3f} | {int(row['n'])} |")

    weakest = worst_items(summary.records, worst) if worst else []
    if weakest:
        lines += ["", f"## {len(weakest)} weakest items", ""]
        for record in weakest:
            cited = ", ".join(sorted({_escape_cell(doc_label(c)) for c in record.get("citations", [])})) or "none"
            lines.append(
                f"- **{_escape_cell(record['id'])}** ({_escape_cell(record['type'])}): "
                f"{_escape_cell(_short(record['question'], 70))} → "
                f"{_escape_cell(_short(record['answer']))} [cited: {cited}; quality {item_quality(record):.2f}]"
            )

    if summary.errors:
        lines += ["", "## Failed items", ""]
        lines += [f"- {r['id']}: {_escape_cell(_short(r['error'], 160))}" for r in summary.errors]
    return "\n".join(lines) + "\n"
