"""Aggregate a run's per-item scores: means with bootstrap intervals, by language and type."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.item_scores import METRICS
from evals.metrics.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, bootstrap_mean
from evals.metrics.latency import latency_percentiles
from evals.suite_runner import RESULTS_FILE, RUN_FILE, read_records

GROUP_KEYS = ("lang", "type")


def metric_names(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Metrics present in ``records``: the known ones in table order, then any others."""
    present = {name for r in records for name in r.get("scores", {})}
    return [m for m in METRICS if m in present] + sorted(present - set(METRICS))


def aggregate(
    records: Sequence[Mapping[str, Any]],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Interval]:
    """Each metric's mean over the records that define it, with its 95 % interval."""
    return {
        name: bootstrap_mean(
            [r["scores"][name] for r in records if name in r.get("scores", {})],
            n_resamples=n_resamples,
            seed=seed,
        )
        for name in metric_names(records)
    }


@dataclass
class RunSummary:
    """What ``summary.md`` and ``report.html`` show about one run."""

    info: dict[str, Any]
    records: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    overall: dict[str, Interval]
    groups: dict[str, dict[str, dict[str, Interval]]] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def from_records(
        cls,
        records: Sequence[Mapping[str, Any]],
        info: Mapping[str, Any] | None = None,
        *,
        n_resamples: int = DEFAULT_RESAMPLES,
        seed: int = DEFAULT_SEED,
    ) -> RunSummary:
        scored = [dict(r) for r in records if "error" not in r]
        errors = [dict(r) for r in records if "error" in r]
        groups: dict[str, dict[str, dict[str, Interval]]] = {}
        for key in GROUP_KEYS:
            values = sorted({r[key] for r in scored})
            groups[key] = {
                value: aggregate([r for r in scored if r[key] == value], n_resamples=n_resamples, seed=seed)
                for value in values
            }
        return cls(
            info=dict(info or {}),
            records=scored,
            errors=errors,
            overall=aggregate(scored, n_resamples=n_resamples, seed=seed),
            groups=groups,
            latency=latency_percentiles([r["timings"] for r in scored if r.get("timings")]),
        )

    @classmethod
    def load(cls, run_dir: str | Path, **kwargs: Any) -> RunSummary:
        """The summary of the run in ``run_dir`` (needs ``results.jsonl``; ``run.json`` optional)."""
        run_dir = Path(run_dir)
        results = run_dir / RESULTS_FILE
        if not results.is_file():
            raise FileNotFoundError(f"{run_dir} is not an eval run: {RESULTS_FILE} is missing")
        info_path = run_dir / RUN_FILE
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
        return cls.from_records(list(read_records(results).values()), info, **kwargs)

    def counts(self, key: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.records:
            counts[record[key]] = counts.get(record[key], 0) + 1
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_items": len(self.records),
            "n_errors": len(self.errors),
            "overall": {name: iv.to_dict() for name, iv in self.overall.items()},
            "groups": {
                key: {value: {name: iv.to_dict() for name, iv in metrics.items()} for value, metrics in by.items()}
                for key, by in self.groups.items()
            },
            "latency": self.latency,
        }
