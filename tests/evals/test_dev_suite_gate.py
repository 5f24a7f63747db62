"""CI's quality gate: the whole dev set through the real index with the extractive back-end.

Fails the build when retrieval Recall@5 or citation precision drops below the floors in
evals/ci_floors.toml (measured values, see the comment there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.ci_gate import check_floors, load_floors
from evals.run_summary import RunSummary
from reportqa.cli import main

DEV_SET = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "reports_dev.jsonl"


@pytest.mark.slow
def test_dev_suite_meets_the_ci_floors(built_index, tmp_path: Path) -> None:
    out = tmp_path / "dev-extractive"
    argv = ["--data-dir", str(built_index.settings.data_dir), "eval", str(DEV_SET),
            "--backend", "extractive", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    summary = RunSummary.load(out)
    assert summary.overall["recall@5"].n >= 60  # every answerable item was scored
    assert check_floors(summary, load_floors()) == []
