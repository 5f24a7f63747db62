"""Fixtures of the evals tests; the fakes themselves live in evals_fakes.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evals_fakes import SUITE_ITEMS


@pytest.fixture
def suite_file(tmp_path: Path) -> Path:
    path = tmp_path / "suite.jsonl"
    path.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in SUITE_ITEMS) + "\n", encoding="utf-8")
    return path
