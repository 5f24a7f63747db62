"""Latency percentiles per pipeline stage, from ``Answer.timings`` (seconds)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

STAGES = ("rewrite", "retrieve", "generate", "first_token", "total")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100, linear interpolation) of ``values``."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    if len(values) == 0:
        raise ValueError("percentile of no values")
    return float(np.percentile(np.asarray(values, dtype=float), q))


def latency_percentiles(
    timings: Sequence[Mapping[str, float]], qs: Sequence[float] = (50, 95)
) -> dict[str, dict[str, float]]:
    """``{stage: {"p50": s, "p95": s, "n": count}}`` for every stage some answer timed.

    Known stages come first in pipeline order; a back-end's extra stages follow.
    """
    stages = [s for s in STAGES if any(s in t for t in timings)]
    stages += sorted({s for t in timings for s in t} - set(stages))
    table: dict[str, dict[str, float]] = {}
    for stage in stages:
        values = [float(t[stage]) for t in timings if stage in t]
        row = {f"p{q:g}": percentile(values, q) for q in qs}
        row["n"] = len(values)
        table[stage] = row
    return table
