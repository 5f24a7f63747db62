"""The public RGB Chinese benchmark (read from ../shared, never committed) through the real chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportqa.cli import main

RGB_FILE = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "rgb" / "zh_refine.json"


@pytest.mark.slow
def test_rgb_runs_through_the_extractive_chain(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert RGB_FILE.is_file(), f"the RGB benchmark is expected beside the repository at {RGB_FILE}"
    out = tmp_path / "rgb"
    argv = ["--data-dir", str(tmp_path / "data"), "eval", "rgb", str(RGB_FILE), "--n", "4",
            "--backend", "extractive", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    summary = capsys.readouterr().out
    assert "0.4" in summary and "1.0" in summary
    records = [json.loads(line) for path in sorted(out.glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 8  # 4 questions at noise 0.4, the same 4 with only negative passages
    # Accepted answers of most questions sit in their positive passages: the chain finds some.
    assert any(r.get("correct") for r in records)
