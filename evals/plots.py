"""The report's figures, rendered off-screen to base64 PNG so the HTML needs no other file.

Figures are built with ``matplotlib.figure.Figure`` and the Agg canvas directly, never pyplot,
so rendering touches no global backend state and works without a display.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from evals.item_scores import METRICS, RETRIEVAL_KS
from evals.run_summary import RunSummary


def _png(figure: Figure) -> str:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _error_bars(intervals: Sequence[Any]) -> np.ndarray:
    return np.array(
        [[max(0.0, iv.value - iv.low) for iv in intervals], [max(0.0, iv.high - iv.value) for iv in intervals]]
    )


def recall_curves_png(summary: RunSummary) -> str | None:
    """Recall@k against k, one line per language (and all), with 95 % interval bars."""
    series = {"all": summary.overall, **summary.groups.get("lang", {})}
    figure = Figure(figsize=(5.5, 3.6))
    axes = figure.add_subplot()
    drawn = False
    for name, metrics in series.items():
        points = [(k, metrics[f"recall@{k}"]) for k in RETRIEVAL_KS if f"recall@{k}" in metrics]
        points = [(k, iv) for k, iv in points if iv.n]
        if not points:
            continue
        ks, intervals = zip(*points)
        axes.errorbar(ks, [iv.value for iv in intervals], yerr=_error_bars(intervals), marker="o",
                      capsize=3, label=f"{name} (n={intervals[0].n})")
        drawn = True
    if not drawn:
        return None
    axes.set(xlabel="k (passages)", ylabel="Recall@k", ylim=(0, 1.05), xticks=list(RETRIEVAL_KS),
             title="Evidence recall by retrieval depth")
    axes.grid(alpha=0.3)
    axes.legend()
    return _png(figure)


# Question types are the suite's own labels, often Chinese: their glyphs come from a CJK font
# (run.sh installs this one) when DejaVu Sans has none. Fonts resolve at drawing time, so the
# whole figure is built and drawn inside the context.
_CJK_FALLBACK = {"font.family": ["DejaVu Sans", "WenQuanYi Micro Hei"]}


def type_bars_png(summary: RunSummary, metrics: Sequence[str]) -> str | None:
    """Grouped bars: each metric per question type, with 95 % interval error bars."""
    with rc_context(_CJK_FALLBACK):
        return _type_bars_png(summary, metrics)


def _type_bars_png(summary: RunSummary, metrics: Sequence[str]) -> str | None:
    by_type = summary.groups.get("type", {})
    metrics = [m for m in metrics if any(m in row and row[m].n for row in by_type.values())]
    if not by_type or not metrics:
        return None
    types = list(by_type)
    width = 0.8 / len(metrics)
    figure = Figure(figsize=(max(6.0, 1.6 * len(types)), 3.8))
    axes = figure.add_subplot()
    for i, metric in enumerate(metrics):
        xs, intervals = [], []
        for j, qtype in enumerate(types):
            interval = by_type[qtype].get(metric)
            if interval is not None and interval.n:
                xs.append(j + (i - (len(metrics) - 1) / 2) * width)
                intervals.append(interval)
        axes.bar(xs, [iv.value for iv in intervals], width=width, yerr=_error_bars(intervals), capsize=2,
                 label=METRICS[metric].label if metric in METRICS else metric)
    axes.set_xticks(range(len(types)), types)
    axes.set(ylim=(0, 1.05), ylabel="mean", title="Metrics by question type (95 % intervals)")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize="small", ncols=2)
    return _png(figure)


def latency_histogram_png(records: Sequence[Mapping[str, Any]]) -> str | None:
    """Histogram of end-to-end answer time, with the generation stage when it was timed."""
    figure = Figure(figsize=(5.5, 3.4))
    axes = figure.add_subplot()
    drawn = False
    for stage in ("total", "generate"):
        values = [r["timings"][stage] for r in records if stage in r.get("timings", {})]
        if values:
            axes.hist(values, bins=min(30, max(5, len(values) // 3)), alpha=0.6, label=f"{stage} (n={len(values)})")
            drawn = True
    if not drawn:
        return None
    axes.set(xlabel="seconds", ylabel="questions", title="Answer latency")
    axes.legend()
    return _png(figure)
