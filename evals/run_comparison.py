"""Compare two runs on the items both answered: paired-bootstrap deltas and regressions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.item_scores import METRICS
from evals.markdown_report import item_quality
from evals.metrics.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, paired_bootstrap_delta
from evals.run_summary import RunSummary, metric_names

# run.json keys that describe the machine or the moment, not the system being measured.
_VOLATILE_INFO = {"created", "resumed", "command", "out_dir", "python", "hostname"}


@dataclass(frozen=True)
class MetricDelta:
    name: str
    before: float
    after: float
    delta: Interval  # after - before, paired over the common items

    @property
    def significant(self) -> bool:
        """The 95 % interval of the difference excludes zero."""
        return self.delta.n > 0 and (self.delta.low > 0 or self.delta.high < 0)


@dataclass(frozen=True)
class ItemChange:
    id: str
    before: float
    after: float
    record_before: Mapping[str, Any]
    record_after: Mapping[str, Any]


@dataclass
class RunComparison:
    name_a: str
    name_b: str
    common: int
    only_a: int
    only_b: int
    deltas: list[MetricDelta]
    worse: list[ItemChange]
    better: list[ItemChange]
    setting_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def to_markdown(self, *, max_items: int = 15) -> str:
        lines = [f"# Comparison: {self.name_a} → {self.name_b}", ""]
        lines.append(f"{self.common} items in both runs" + (
            f" ({self.only_a} only in A, {self.only_b} only in B, not compared)" if self.only_a or self.only_b else ""
        ) + ". Δ = B − A with a 95 % paired-bootstrap interval; * marks intervals that exclude 0.")
        if self.setting_changes:
            lines += ["", "## What changed between the runs", ""]
            lines += [f"- `{key}`: {a!r} → {b!r}" for key, (a, b) in sorted(self.setting_changes.items())]
        lines += ["", "| metric | A | B | Δ [95 % CI] | n |", "|---|---|---|---|---|"]
        for d in self.deltas:
            info = METRICS.get(d.name)
            label = info.label if info else d.name
            flag = " *" if d.significant else ""
            better = "" if info is None or info.higher_is_better else " (lower is better)"
            lines.append(
                f"| {label}{better} | {d.before:.3f} | {d.after:.3f} | "
                f"{d.delta.value:+.3f} [{d.delta.low:+.3f}, {d.delta.high:+.3f}]{flag} | {d.delta.n} |"
            )
        lines += ["", f"## Items that got worse ({len(self.worse)}; {len(self.better)} got better)", ""]
        if not self.worse:
            lines.append("None.")
        for change in self.worse[:max_items]:
            question = " ".join(str(change.record_after.get("question", "")).split())[:80]
            answer = " ".join(str(change.record_after.get("answer", "")).split())[:100]
            lines.append(
                f"- **{change.id}** quality {change.before:.2f} → {change.after:.2f}: {question} → {answer}"
            )
        return "\n".join(lines) + "\n"


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def compare_summaries(
    a: RunSummary,
    b: RunSummary,
    *,
    name_a: str = "A",
    name_b: str = "B",
    min_change: float = 0.1,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> RunComparison:
    """Deltas over the items both runs scored; ``min_change`` is the item-quality drop reported."""
    by_a = {r["id"]: r for r in a.records}
    by_b = {r["id"]: r for r in b.records}
    common = [rid for rid in by_a if rid in by_b]
    deltas = []
    for name in metric_names([by_a[rid] for rid in common] + [by_b[rid] for rid in common]):
        pairs = [
            (by_a[rid]["scores"][name], by_b[rid]["scores"][name])
            for rid in common
            if name in by_a[rid]["scores"] and name in by_b[rid]["scores"]
        ]
        if not pairs:
            continue
        before, after = zip(*pairs)
        interval = paired_bootstrap_delta(before, after, n_resamples=n_resamples, seed=seed)
        deltas.append(MetricDelta(name, sum(before) / len(before), sum(after) / len(after), interval))
    changes = [
        ItemChange(rid, item_quality(by_a[rid]), item_quality(by_b[rid]), by_a[rid], by_b[rid]) for rid in common
    ]
    worse = sorted((c for c in changes if c.after <= c.before - min_change), key=lambda c: (c.after - c.before, c.id))
    better = [c for c in changes if c.after >= c.before + min_change]
    flat_a = {k: v for k, v in _flatten(a.info).items() if k.split(".")[0] not in _VOLATILE_INFO}
    flat_b = {k: v for k, v in _flatten(b.info).items() if k.split(".")[0] not in _VOLATILE_INFO}
    setting_changes = {
        key: (flat_a.get(key), flat_b.get(key))
        for key in set(flat_a) | set(flat_b)
        if flat_a.get(key) != flat_b.get(key)
    }
    return RunComparison(
        name_a=name_a,
        name_b=name_b,
        common=len(common),
        only_a=len(set(by_a) - set(by_b)),
        only_b=len(set(by_b) - set(by_a)),
        deltas=deltas,
        worse=worse,
        better=better,
        setting_changes=setting_changes,
    )


def compare_runs(run_a: str | Path, run_b: str | Path, **kwargs: Any) -> RunComparison:
    """Load two run folders (``reportqa eval --out``) and compare them, both re-scored with
    today's metric code when the suite their ``run.json`` names can be read (so a run made before
    a metric existed still gets it)."""
    return compare_summaries(
        rescored(RunSummary.load(run_a)), rescored(RunSummary.load(run_b)),
        name_a=str(run_a), name_b=str(run_b), **kwargs,
    )


def rescored(summary: RunSummary) -> RunSummary:
    """``summary`` with every record scored again against its suite; as it was when the suite
    file is gone."""
    from evals.item_scores import score_item
    from evals.suite import load_suite

    suite = Path(str(summary.info.get("suite", "")))
    if not suite.is_file():
        return summary
    items = {item.id: item for item in load_suite(suite)}
    records = [{**r, "scores": score_item(items[r["id"]], r)} if r.get("id") in items and "scores" in r else r
               for r in summary.records]
    return RunSummary.from_records(records, summary.info)
