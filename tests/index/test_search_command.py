from __future__ import annotations

import io
import json

import pytest

from index.hybrid_retriever import HybridRetriever
from index.library_index import LibraryIndex
from reportqa.cli import main
from reportqa.commands.search import run_batch


@pytest.fixture
def retriever(tmp_path, library, embeddings, pipeline) -> HybridRetriever:
    index = LibraryIndex.build(tmp_path / "var" / "index", library, embeddings=embeddings,
                               pipeline=pipeline, progress=False).index
    return HybridRetriever(index=index, embeddings=embeddings, k=2)


def test_batch_reports_malformed_lines_and_continues(retriever, capsys):
    lines = io.StringIO("\n".join([
        json.dumps({"id": "q1", "question": "数字经济规模"}, ensure_ascii=False),
        '{"id": "q2", "question": ',  # truncated JSON
        "",  # blank lines are skipped, but still counted for line numbers
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "q5"}),
        json.dumps({"question": "no id"}),
        json.dumps({"id": 6, "question": "carbon market"}),
    ]) + "\n")
    out = io.StringIO()
    assert run_batch(retriever, lines, out, name="questions.jsonl") == 1
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("id") for r in records] == ["q1", None, None, "q5", None, 6]
    good = [records[0], records[5]]
    for record in good:
        assert set(record) == {"id", "query", "results"}
        assert len(record["results"]) == 2
        assert {"rank", "score", "doc_id", "doc_title", "section", "page", "text", "start", "end"} <= set(record["results"][0])
    assert records[0]["query"] == "数字经济规模"
    assert [r["line"] for r in records[1:5]] == [2, 4, 5, 6]
    assert "not valid JSON" in records[1]["error"]
    assert "expected an object" in records[2]["error"]
    assert '"question"' in records[3]["error"]
    assert 'missing "id"' in records[4]["error"]
    err = capsys.readouterr().err
    assert "questions.jsonl line 2: not valid JSON" in err
    assert "4 of 6 lines failed" in err


def test_batch_of_good_lines_exits_zero(retriever):
    out = io.StringIO()
    assert run_batch(retriever, io.StringIO('{"id": "a", "question": "算力"}\n'), out, name="-") == 0
    assert json.loads(out.getvalue())["results"][0]["rank"] == 1


def test_status_of_a_missing_index_says_to_build(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "index", "status"]) == 1
    err = capsys.readouterr().err
    assert "no index found" in err and "reportqa index build" in err


def test_status_and_remove_need_no_model(retriever, tmp_path, capsys):
    data_dir = str(tmp_path / "var")
    assert main(["--data-dir", data_dir, "index", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["documents"] == 3 and status["embedder"] == "hash-test"
    assert [d["doc_id"] for d in status["documents_list"]] == ["alpha", "beta", "gamma"]
    assert main(["--data-dir", data_dir, "index", "remove", "beta"]) == 0
    assert "Removed beta" in capsys.readouterr().out
    assert main(["--data-dir", data_dir, "index", "remove", "beta"]) == 1
    assert "no document 'beta'" in capsys.readouterr().err
