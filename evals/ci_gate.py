"""CI gate: fail when a run's retrieval Recall@5 or citation precision drops below its floor.

Usage: ``python -m evals.ci_gate RUN_DIR [--floors evals/ci_floors.toml] [--fail-under m=v,...]``.
Exit status 0 when every floor holds, 1 when one does not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from evals.run_summary import RunSummary

DEFAULT_FLOORS = Path(__file__).with_name("ci_floors.toml")


def parse_floors(spec: str) -> dict[str, float]:
    """``"recall@5=0.6,citation_precision=0.5"`` -> ``{"recall@5": 0.6, ...}``."""
    floors: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        try:
            floors[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ValueError(f"floor {part.strip()!r} must look like metric=number, e.g. recall@5=0.6")
    return floors


def load_floors(path: str | Path = DEFAULT_FLOORS) -> dict[str, float]:
    with Path(path).open("rb") as handle:
        data = tomllib.load(handle)
    floors = data.get("floors")
    if not isinstance(floors, dict) or not all(isinstance(v, (int, float)) for v in floors.values()):
        raise ValueError(f"{path}: expected a [floors] table of metric = number")
    return {str(k): float(v) for k, v in floors.items()}


def check_floors(summary: RunSummary, floors: Mapping[str, float]) -> list[str]:
    """One message per metric below its floor (or missing from the run)."""
    failures = []
    for name, floor in floors.items():
        interval = summary.overall.get(name)
        if interval is None or interval.n == 0:
            failures.append(f"{name}: not measured in this run (floor {floor:.3f})")
        elif interval.value < floor:
            failures.append(f"{name}: {interval.value:.3f} is below the floor {floor:.3f} (n={interval.n})")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.ci_gate", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", help="folder written by `reportqa eval --out`")
    parser.add_argument("--floors", default=str(DEFAULT_FLOORS), help="TOML file with a [floors] table")
    parser.add_argument("--fail-under", help="metric=floor pairs that replace the file's, e.g. recall@5=0.6")
    args = parser.parse_args(argv)
    try:
        floors = parse_floors(args.fail_under) if args.fail_under else load_floors(args.floors)
        summary = RunSummary.load(args.run_dir)
    except (OSError, ValueError) as exc:
        print(f"ci_gate: {exc}", file=sys.stderr)
        return 2
    failures = check_floors(summary, floors)
    for message in failures:
        print(f"FAIL {message}")
    if not failures:
        print("OK " + ", ".join(f"{n} {summary.overall[n].value:.3f} >= {f:.3f}" for n, f in floors.items()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
