"""The ``reportqa index`` / ``search`` commands, with the test embedder in place of the real one."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from index_test_doubles import HashEmbeddings

import reportqa.commands.index as index_command
import reportqa.factory as factory
from reportqa.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_models(monkeypatch):
    embeddings = HashEmbeddings()
    monkeypatch.setattr(factory, "make_embeddings", lambda settings: embeddings)
    return embeddings


def test_build_reports_bad_files_then_update_finds_nothing_to_do(tmp_path, library, fake_models, capsys):
    (library / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    args = ["--data-dir", str(tmp_path / "var"), "index", "build", "--library", str(library), "--quiet"]
    assert main(args) == 1  # built, but a file was skipped
    out, err = capsys.readouterr()
    assert "skipped" in err and "broken.txt" in err
    assert "5 documents" not in out and "3 documents" in out
    (library / "broken.txt").unlink()
    assert main(["--data-dir", str(tmp_path / "var"), "--library", str(library), "index", "update", "--quiet",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["chunks_embedded"] == 0 and sorted(result["unchanged"]) == ["alpha", "beta", "gamma"]
    assert result["status"]["documents"] == 3


def test_update_of_an_unchanged_library_reads_and_writes_nothing(tmp_path, library, fake_models, capsys):
    an_hour_ago = time.time_ns() - 3600 * 10**9
    for path in library.iterdir():
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    data_dir = tmp_path / "var"
    assert main(["--data-dir", str(data_dir), "--library", str(library), "index", "build", "--quiet"]) == 0
    manifest = (data_dir / "index" / "manifest.json").read_bytes()
    capsys.readouterr()

    assert main(["--data-dir", str(data_dir), "--library", str(library), "index", "update", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "unchanged 3 (3 not read again)" in out and "already up to date, nothing written" in out
    assert main(["--data-dir", str(data_dir), "--library", str(library), "index", "update", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["not_read"] == ["alpha", "beta", "gamma"] and result["written"] is False
    assert (data_dir / "index" / "manifest.json").read_bytes() == manifest


def test_build_of_a_missing_library_is_a_clear_error(tmp_path, fake_models, capsys):
    assert main(["--data-dir", str(tmp_path), "index", "build", "--library", str(tmp_path / "nope")]) == 1
    assert "library folder not found" in capsys.readouterr().err


def test_search_without_an_index_says_to_build_one(tmp_path, fake_models, capsys):
    assert main(["--data-dir", str(tmp_path), "search", "数字经济"]) == 1
    err = capsys.readouterr().err
    assert "no index found" in err and "reportqa index build" in err


def test_search_json_shape(tmp_path, library, fake_models, capsys):
    data_dir = str(tmp_path / "var")
    assert main(["--data-dir", data_dir, "--library", str(library), "index", "build", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", data_dir, "search", "算力规模", "--k", "2", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["query"] == "算力规模" and len(payload["results"]) == 2
    first = payload["results"][0]
    assert {"rank", "score", "doc_id", "doc_title", "section", "page", "text", "start", "end"} <= set(first)
    assert first["rank"] == 1 and first["scores"]["fused"] == first["score"]


def test_copy_to_milvus_then_search_there(tmp_path, library, fake_models, capsys, monkeypatch):
    data_dir = tmp_path / "var"
    assert main(["--data-dir", str(data_dir), "--library", str(library), "index", "build", "--quiet"]) == 0
    embedded = len(fake_models.embedded)
    capsys.readouterr()
    target = tmp_path / "milvus" / "library.db"
    assert main(["--data-dir", str(data_dir), "index", "copy", "--to", f"milvus://{target}"]) == 0
    out = capsys.readouterr().out
    assert "Copied 3 documents" in out and f"REPORTQA_INDEX__MILVUS_URI={target}" in out
    assert len(fake_models.embedded) == embedded  # nothing embedded again
    monkeypatch.setenv("REPORTQA_INDEX__STORE", "milvus")
    monkeypatch.setenv("REPORTQA_INDEX__MILVUS_URI", str(target))
    assert main(["--data-dir", str(data_dir), "index", "status"]) == 0
    assert f"Store:      milvus at {target}" in capsys.readouterr().out
    assert main(["--data-dir", str(data_dir), "search", "跨境电商", "--json"]) == 0
    assert "alpha" in capsys.readouterr().out


def test_copy_into_another_folder_under_the_live_milvus_alias_is_refused(tmp_path, library, fake_models, capsys,
                                                                         monkeypatch):
    # Regression: `index copy --index-dir OTHER` to the Milvus the index already lives in moved the
    # alias onto the copy. Refused with what to do; with --collection the copy goes ahead.
    target = tmp_path / "milvus" / "library.db"
    monkeypatch.setenv("REPORTQA_INDEX__STORE", "milvus")
    monkeypatch.setenv("REPORTQA_INDEX__MILVUS_URI", str(target))
    data_dir = tmp_path / "var"
    assert main(["--data-dir", str(data_dir), "--library", str(library), "index", "build", "--quiet"]) == 0
    capsys.readouterr()
    copy = ["--data-dir", str(data_dir), "index", "copy", "--to", f"milvus://{target}", "--index-dir", str(tmp_path / "b")]
    assert main(copy) == 1
    err = capsys.readouterr().err
    assert "under the alias 'reportqa'" in err and "Nothing was written" in err and "--collection NAME" in err
    assert not (tmp_path / "b" / "manifest.json").exists()
    assert main([*copy, "--collection", "reportqa_b"]) == 0
    assert "REPORTQA_INDEX__MILVUS_COLLECTION=reportqa_b" in capsys.readouterr().out
    assert main(["--data-dir", str(data_dir), "search", "跨境电商", "--json"]) == 0  # the source still answers
    assert "alpha" in capsys.readouterr().out


def test_copy_to_a_bad_target_is_refused(tmp_path, library, fake_models, capsys):
    data_dir = tmp_path / "var"
    assert main(["--data-dir", str(data_dir), "--library", str(library), "index", "build", "--quiet"]) == 0
    assert main(["--data-dir", str(data_dir), "index", "copy", "--to", "postgres://x"]) != 0
    assert "copy target 'postgres://x'" in capsys.readouterr().err


def test_build_does_not_follow_a_link_out_of_the_library_and_says_why(tmp_path, library, fake_models, capsys):
    # Regression: a link in the library to another file on the machine got it indexed, and
    # hidden files were skipped without a word.
    private = tmp_path / "private.txt"
    private.write_text("机密文件：服务器口令是 hunter2。", encoding="utf-8")
    (library / "leak.txt").symlink_to(private)
    (library / ".draft.txt").write_text("草稿。", encoding="utf-8")
    data_dir = str(tmp_path / "var")
    assert main(["--data-dir", data_dir, "index", "build", "--library", str(library), "--quiet", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["status"]["documents"] == 3 and "leak" not in result["added"]
    assert {Path(item["path"]).name for item in result["skipped"]} == {"leak.txt", ".draft.txt"}
    assert captured.err.count("leak.txt") == 1 and "outside the library folder" in captured.err
    assert captured.err.count(".draft.txt") == 1 and "hidden" in captured.err
    assert main(["--data-dir", data_dir, "search", "服务器口令", "--json"]) == 0
    assert "hunter2" not in capsys.readouterr().out


def test_a_bad_file_is_reported_once(tmp_path, library, fake_models, capsys):
    # Regression: the pipeline's log line and the command both printed each skipped file.
    (library / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    assert main(["--data-dir", str(tmp_path / "var"), "index", "build", "--library", str(library), "--quiet"]) == 1
    assert capsys.readouterr().err.count("broken.txt") == 1


def test_an_update_from_another_directory_finds_nothing_changed(tmp_path, library, fake_models, capsys, monkeypatch):
    # Regression: sources were recorded relative to the working directory, so an update run
    # elsewhere took every document for a changed one.
    data_dir = tmp_path / "var"
    monkeypatch.chdir(library.parent)
    assert main(["--data-dir", str(data_dir), "index", "build", "--library", library.name, "--quiet"]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "index", "update", "--library", str(library), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] == [] and sorted(result["unchanged"]) == ["alpha", "beta", "gamma"]
    assert result["written"] is False


def test_status_warns_when_the_settings_no_longer_match(tmp_path, library, fake_models, capsys, monkeypatch):
    # Regression: status said nothing, while search refused the same index.
    data_dir = str(tmp_path / "var")
    monkeypatch.setenv("REPORTQA_MODELS__EMBEDDER", fake_models.name)
    assert main(["--data-dir", data_dir, "index", "build", "--library", str(library), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", data_dir, "index", "status"]) == 0
    assert "warning" not in capsys.readouterr().err
    monkeypatch.setenv("REPORTQA_INGEST__CHUNK_SIZE", "200")
    monkeypatch.setenv("REPORTQA_MODELS__EMBEDDER", "another-model")
    assert main(["--data-dir", data_dir, "index", "status", "--json"]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and "reportqa index build" in captured.err
    assert "chunk_size" in captured.err and "another-model" in captured.err
    assert len(json.loads(captured.out)["settings_differences"]) == 2


def test_status_into_a_closed_pipe_prints_no_traceback(tmp_path, library, fake_models, capsys):
    # Regression: `reportqa index status | head` ended in a BrokenPipeError traceback.
    import subprocess
    import sys

    data_dir = str(tmp_path / "var")
    assert main(["--data-dir", data_dir, "index", "build", "--library", str(library), "--quiet"]) == 0
    reader, writer = os.pipe()
    os.close(reader)  # `head` has already exited
    done = subprocess.run([sys.executable, "-m", "reportqa", "--data-dir", data_dir, "index", "status"],
                          stdout=writer, stderr=subprocess.PIPE, text=True, timeout=120, cwd=str(REPO))
    os.close(writer)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert done.returncode == 0
