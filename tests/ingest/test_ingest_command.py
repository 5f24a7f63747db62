"""``reportqa ingest``: summaries, --show, --json, flags and exit codes."""

from __future__ import annotations

import json

from reportqa.cli import main


def test_summary_and_errors(tmp_path, capsys, real_reports):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code = main(["--data-dir", str(tmp_path / "var"), "ingest", str(real_reports[4]), str(empty)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{real_reports[4].stem}:" in out and "chunks" in out
    assert f"error: {empty}: the file is empty" in out


def test_show_prints_text_and_chunks(tmp_path, capsys, real_reports):
    code = main(["--data-dir", str(tmp_path / "var"), "ingest", str(real_reports[4]), "--show", "--chunk-size", "200"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"--- {real_reports[4].stem}:0 [" in out
    assert "共建“一带一路”数字经济发展成就显著" in out


def test_json_output_and_chunk_flags(tmp_path, capsys, real_reports):
    code = main(
        ["--data-dir", str(tmp_path / "var"), "ingest", str(real_reports[4]), "--json",
         "--chunk-size", "200", "--chunk-overlap", "0"]
    )  # fmt: skip
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert payload["config"]["chunker"]["chunk_size"] == 200
    (document,) = payload["documents"]
    assert all(len(c["text"]) <= 200 for c in document["chunks"])
    assert all(document["text"][c["start"] : c["end"]] == c["text"] for c in document["chunks"])
