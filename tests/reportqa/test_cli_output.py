"""The CLI keeps stderr for its own messages and bars: model libraries draw none of theirs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LIBRARY_VARIABLES = ("HF_HUB_DISABLE_PROGRESS_BARS", "HF_HUB_VERBOSITY", "TRANSFORMERS_VERBOSITY")

# Run a cheap command through ``main``, then draw the bars that model loading draws
# (transformers' "Loading weights", a hub download) next to one of our own (tqdm, as in
# ``index build`` and ``models pull``).
DRAW_BARS = textwrap.dedent("""
    import sys
    from reportqa.cli import main

    main(sys.argv[1:])
    from huggingface_hub.utils import tqdm as hub_tqdm
    from tqdm.auto import tqdm
    from transformers.utils.logging import tqdm as transformers_tqdm

    for _ in transformers_tqdm(range(3), desc="Loading weights"):
        pass
    for _ in hub_tqdm(range(3), desc="Fetching files"):
        pass
    for _ in tqdm(range(3), desc="Embedding chunks"):
        pass
""")


def clean_environment(**extra: str) -> dict[str, str]:
    """This environment without the variables the CLI sets (an in-process ``main`` may have)."""
    env = {k: v for k, v in os.environ.items() if k not in LIBRARY_VARIABLES}
    return {**env, **extra}


def run_cli_then_draw_bars(tmp_path: Path, *flags: str, **env: str) -> str:
    command = [sys.executable, "-c", DRAW_BARS, *flags, "--data-dir", str(tmp_path), "index", "status"]
    done = subprocess.run(command, cwd=REPO, env=clean_environment(**env), capture_output=True, text=True,
                          timeout=300)
    assert "no index found" in done.stderr, done.stderr  # the command itself did run
    return done.stderr


def test_model_library_bars_are_hidden_and_ours_kept(tmp_path):
    err = run_cli_then_draw_bars(tmp_path)
    assert "Loading weights" not in err and "Fetching files" not in err
    assert "Embedding chunks" in err and "3/3" in err


def test_verbose_and_the_users_own_setting_show_library_bars(tmp_path):
    verbose = run_cli_then_draw_bars(tmp_path, "--verbose")
    assert "Loading weights" in verbose and "Fetching files" in verbose and "Embedding chunks" in verbose
    chosen = run_cli_then_draw_bars(tmp_path, HF_HUB_DISABLE_PROGRESS_BARS="0")
    assert "Loading weights" in chosen and "Fetching files" in chosen


@pytest.mark.slow
def test_real_embedder_loads_silently_in_build_and_search(tmp_path):
    """With the real EmbeddingGemma: ``index build`` shows its own embedding bar and no loading
    bar; ``search --json`` writes JSON to stdout and nothing to stderr."""
    library = tmp_path / "reports"
    library.mkdir()
    smallest = min((REPO / "data" / "reports").glob("*.txt"), key=lambda p: p.stat().st_size)
    for path in (smallest, smallest.with_name(smallest.stem + ".meta.json")):
        if path.is_file():
            shutil.copy(path, library / path.name)
    base = [sys.executable, "-m", "reportqa", "--data-dir", str(tmp_path / "var")]

    build = subprocess.run([*base, "--library", str(library), "index", "build"], cwd=REPO,
                           env=clean_environment(), capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stderr
    assert "Embedding chunks" in build.stderr and "Loading weights" not in build.stderr

    search = subprocess.run([*base, "search", "数字经济", "--k", "2", "--json"], cwd=REPO,
                            env=clean_environment(), capture_output=True, text=True, timeout=1800)
    assert search.returncode == 0, search.stderr
    assert search.stderr == ""
    assert len(json.loads(search.stdout)["results"]) == 2
