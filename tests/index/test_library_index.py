from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from index_test_doubles import EmbedderCrashed, HashEmbeddings

from index.build_lock import BuildLock
from index.embedding_cache import EmbeddingCache
from index.errors import (
    DocumentNotFoundError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
)
from index.hybrid_retriever import HybridRetriever
from index.library_index import LibraryIndex
from index.manifest import Manifest
from ingest.pipeline import IngestPipeline

QUERIES = ["数字经济规模", "算力", "carbon market", "人工智能伦理", "跨境电商"]


def build(index_dir, library, embeddings, pipeline, cache=None, **kwargs):
    return LibraryIndex.build(index_dir, library, embeddings=embeddings, pipeline=pipeline,
                              cache=cache, progress=False, **kwargs)


def update(index_dir, library, embeddings, pipeline, cache=None, **kwargs):
    return LibraryIndex.update(index_dir, library, embeddings=embeddings, pipeline=pipeline,
                               cache=cache, progress=False, **kwargs)


def search(index, embeddings, query):
    retriever = HybridRetriever(index=index, embeddings=embeddings, k=10)
    return [(r.chunk.chunk_id, round(r.score, 9), round(r.scores["dense"], 6)) for r in retriever.retrieve(query)]


def test_build_stores_documents_chunks_and_manifest(tmp_path, library, embeddings, pipeline):
    result = build(tmp_path / "index", library, embeddings, pipeline)
    index = result.index
    assert sorted(result.added) == ["alpha", "beta", "gamma"] and not result.errors
    status = index.status()
    assert status["documents"] == 3
    assert status["chunks"] == len(index.chunks) == result.chunks_embedded > 3
    assert status["embedder"] == "hash-test" and status["dimension"] == 64
    assert status["chunker"] == pipeline.config()
    assert set(index.manifest.versions) >= {"faiss-cpu", "bm25s", "sentence-transformers", "reportqa"}
    assert [d.doc_id for d in index.documents()] == ["alpha", "beta", "gamma"]
    for chunk in index.chunks:  # offsets point into the stored cleaned text
        assert index.document_text(chunk.doc_id)[chunk.start:chunk.end] == chunk.text
    with pytest.raises(DocumentNotFoundError, match="no document 'nope'"):
        index.document_text("nope")


def test_open_missing_index_says_how_to_build(tmp_path, embeddings):
    with pytest.raises(IndexNotFoundError, match="reportqa index build"):
        LibraryIndex.open(tmp_path / "index", embeddings=embeddings)


def test_open_with_another_embedder_names_the_difference(tmp_path, library, embeddings, pipeline):
    build(tmp_path / "index", library, embeddings, pipeline)
    other = HashEmbeddings(name="other-model", fingerprint="a" * 64, dimension=32)
    with pytest.raises(IndexMismatchError) as caught:
        LibraryIndex.open(tmp_path / "index", embeddings=other, pipeline=pipeline)
    message = str(caught.value)
    assert "embedder name: index has hash-test, now other-model" in message
    assert "embedder fingerprint: index has ffffffffffff…, now aaaaaaaaaaaa…" in message
    assert "embedder dimension: index has 64, now 32" in message
    assert "reportqa index build" in message


def test_open_with_another_chunker_names_the_difference(tmp_path, library, embeddings, pipeline):
    build(tmp_path / "index", library, embeddings, pipeline)
    with pytest.raises(IndexMismatchError, match=r"chunker chunker: index has .*\"chunk_size\": 120.*now .*\"chunk_size\": 200"):
        LibraryIndex.open(tmp_path / "index", embeddings=embeddings,
                          pipeline=IngestPipeline(chunk_size=200, chunk_overlap=20))


def test_update_with_another_embedder_refuses_but_build_replaces(tmp_path, library, embeddings, pipeline):
    build(tmp_path / "index", library, embeddings, pipeline)
    other = HashEmbeddings(name="other-model", fingerprint="a" * 64)
    with pytest.raises(IndexMismatchError):
        update(tmp_path / "index", library, other, pipeline)
    assert build(tmp_path / "index", library, other, pipeline).index.status()["embedder"] == "other-model"


def change_library(library: Path) -> None:
    """Change one report, add one, delete one."""
    alpha = library / "alpha.txt"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("53.9万亿元", "56.1万亿元"), encoding="utf-8")
    (library / "delta.txt").write_text("# 数据要素\n\n数据要素市场化配置改革持续推进，公共数据开放共享。", encoding="utf-8")
    (library / "beta.txt").unlink()


def test_update_equals_full_rebuild(tmp_path, library, embeddings, pipeline):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    build(tmp_path / "index", library, embeddings, pipeline, cache)
    change_library(library)
    updated = update(tmp_path / "index", library, embeddings, pipeline, cache)
    assert updated.added == ["delta"] and updated.changed == ["alpha"]
    assert updated.unchanged == ["gamma"] and updated.removed == ["beta"]

    rebuilt = build(tmp_path / "fresh", library, HashEmbeddings(), pipeline)  # no cache
    a, b = updated.index, rebuilt.index
    assert [c.chunk_id for c in a.chunks] == [c.chunk_id for c in b.chunks]
    assert a.chunks == b.chunks
    np.testing.assert_array_equal(a._vector_ids, b._vector_ids)
    np.testing.assert_array_equal(a.vectors(), b.vectors())
    assert {d: e.sha256 for d, e in a.manifest.documents.items()} == {d: e.sha256 for d, e in b.manifest.documents.items()}
    for query in QUERIES:
        assert search(a, embeddings, query) == search(b, embeddings, query)


def test_update_embeds_only_added_and_changed_text(tmp_path, library, pipeline):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    build(tmp_path / "index", library, HashEmbeddings(), pipeline, cache)

    nothing = update(tmp_path / "index", library, HashEmbeddings(), pipeline, cache)
    assert nothing.chunks_embedded == 0 and sorted(nothing.unchanged) == ["alpha", "beta", "gamma"]

    (library / "delta.txt").write_text("# 数据要素\n\n数据要素市场化配置改革持续推进。", encoding="utf-8")
    counting = HashEmbeddings()
    added = update(tmp_path / "index", library, counting, pipeline, cache)
    delta_chunks = [c for c in added.index.chunks if c.doc_id == "delta"]
    delta_units = [u.text for u in added.index.evidence.units if u.doc_id == "delta"]
    assert added.chunks_embedded == len(delta_chunks)
    # The new report's chunks and its evidence units, nothing of the unchanged reports.
    assert sorted(counting.embedded) == sorted([c.embedding_text() for c in delta_chunks] + delta_units)

    # Editing one sentence re-embeds only the chunk(s) whose text changed.
    alpha = library / "alpha.txt"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("30个", "31个"), encoding="utf-8")
    counting = HashEmbeddings()
    changed = update(tmp_path / "index", library, counting, pipeline, cache)
    assert changed.changed == ["alpha"]
    assert counting.embedded and all("31个" in text for text in counting.embedded)
    assert any(u.text in counting.embedded for u in changed.index.evidence.units if "31个" in u.text)


def test_remove_drops_a_document_persistently(tmp_path, library, embeddings, pipeline):
    index = build(tmp_path / "index", library, embeddings, pipeline).index
    before = search(index, embeddings, "carbon market")
    removed = index.remove("beta")
    # The snapshot it was called on is immutable: it still holds and finds beta.
    assert [d.doc_id for d in index.documents()] == ["alpha", "beta", "gamma"]
    assert search(index, embeddings, "carbon market") == before
    index = removed
    for reopened in (index, LibraryIndex.open(tmp_path / "index", embeddings=embeddings, pipeline=pipeline)):
        assert [d.doc_id for d in reopened.documents()] == ["alpha", "gamma"]
        assert all(c.doc_id != "beta" for c in reopened.chunks)
        assert reopened.evidence is not None and {u.doc_id for u in reopened.evidence.units} == {"alpha", "gamma"}
        assert all(not r[0].startswith("beta") for r in search(reopened, embeddings, "carbon market"))
    with pytest.raises(DocumentNotFoundError):
        index.remove("beta")
    # The file is still in the library, so the next update adds it back.
    assert update(tmp_path / "index", library, embeddings, pipeline).added == ["beta"]


def test_crash_mid_build_leaves_previous_index_intact(tmp_path, library, embeddings, pipeline):
    index_dir = tmp_path / "index"
    before = build(index_dir, library, embeddings, pipeline).index
    before_hash, before_chunks = before.status()["manifest_sha256"], before.chunks
    change_library(library)
    with pytest.raises(EmbedderCrashed):
        build(index_dir, library, HashEmbeddings(fail_after=1), pipeline)
    with pytest.raises(EmbedderCrashed):
        update(index_dir, library, HashEmbeddings(fail_after=1), pipeline)
    after = LibraryIndex.open(index_dir, embeddings=embeddings, pipeline=pipeline)
    assert after.status()["manifest_sha256"] == before_hash
    assert after.chunks == before_chunks
    assert [d.doc_id for d in after.documents()] == ["alpha", "beta", "gamma"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".index.tmp")) == []
    # The lock was released: the next build goes through.
    assert build(index_dir, library, embeddings, pipeline).index.status()["documents"] == 3


def test_crash_between_the_two_renames_is_recovered(tmp_path, library, embeddings, pipeline):
    index_dir = tmp_path / "index"
    build(index_dir, library, embeddings, pipeline)
    index_dir.rename(tmp_path / ".index.previous")  # as if the process died right after it
    assert LibraryIndex.open(index_dir, embeddings=embeddings).status()["documents"] == 3
    update(index_dir, library, embeddings, pipeline)
    assert index_dir.is_dir() and not (tmp_path / ".index.previous").exists()


def test_a_second_builder_gets_a_clear_error(tmp_path, library, embeddings, pipeline):
    index_dir = tmp_path / "index"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from index.build_lock import BuildLock
            with BuildLock({str(index_dir)!r}):
                print("locked", flush=True)
                sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexLockedError, match=rf"another build is running \(pid {holder.pid} "):
            build(index_dir, library, embeddings, pipeline)
        with pytest.raises(IndexLockedError):
            update(index_dir, library, embeddings, pipeline, lock_timeout=0.2)
        assert not index_dir.exists()
    finally:
        holder.communicate("done\n", timeout=30)
    assert build(index_dir, library, embeddings, pipeline).index.status()["documents"] == 3


def test_lock_is_exclusive_within_a_process_too(tmp_path):
    with BuildLock(tmp_path / "index"):
        with pytest.raises(IndexLockedError, match=f"pid {os.getpid()}"):
            with BuildLock(tmp_path / "index"):
                pass


def test_bad_files_are_reported_and_do_not_stop_the_build(tmp_path, library, embeddings, pipeline):
    (library / "empty.txt").write_bytes(b"")
    (library / "binary.txt").write_bytes(bytes(range(256)) * 40)
    result = build(tmp_path / "index", library, embeddings, pipeline)
    assert sorted(Path(e.path).name for e in result.errors) == ["binary.txt", "empty.txt"]
    assert all(e.reason for e in result.errors)
    assert [d.doc_id for d in result.index.documents()] == ["alpha", "beta", "gamma"]


def test_a_file_that_became_unreadable_keeps_its_previous_version(tmp_path, library, embeddings, pipeline):
    before = build(tmp_path / "index", library, embeddings, pipeline).index
    alpha_chunks = [c for c in before.chunks if c.doc_id == "alpha"]
    (library / "alpha.txt").write_bytes(b"\x00\xff" * 500)
    result = update(tmp_path / "index", library, embeddings, pipeline)
    assert result.kept == ["alpha"] and [Path(e.path).name for e in result.errors] == ["alpha.txt"]
    assert [c for c in result.index.chunks if c.doc_id == "alpha"] == alpha_chunks


def test_damaged_index_is_reported(tmp_path, library, embeddings, pipeline):
    build(tmp_path / "index", library, embeddings, pipeline)
    (tmp_path / "index" / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="damaged"):
        LibraryIndex.open(tmp_path / "index", embeddings=embeddings)
    (tmp_path / "index" / Manifest.FILENAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="manifest"):
        LibraryIndex.open(tmp_path / "index")
    # A full build replaces a damaged index.
    assert build(tmp_path / "index", library, embeddings, pipeline).index.status()["documents"] == 3


def test_build_rejects_missing_sources_and_plain_embeddings(tmp_path, embeddings, pipeline):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        build(tmp_path / "index", tmp_path / "nowhere", embeddings, pipeline)
    with pytest.raises(TypeError, match="VectorEmbeddings"):
        build(tmp_path / "index", tmp_path, object(), pipeline)


def test_changed_tokenizer_rebuilds_keyword_index_in_memory(tmp_path, library, embeddings, pipeline):
    from index.bm25_index import BM25Index
    from index.mixed_language_tokenizer import STOPWORDS, MixedLanguageTokenizer

    built = build(tmp_path / "index", library, embeddings, pipeline).index
    other = MixedLanguageTokenizer(stopwords=STOPWORDS | {"经济", "数字"})
    reopened = LibraryIndex.open(tmp_path / "index", embeddings=embeddings, pipeline=pipeline, tokenizer=other)
    expected = BM25Index.build([c.embedding_text() for c in built.chunks], tokenizer=other)
    for query in ("数字经济规模", "算力规模"):
        np.testing.assert_allclose(reopened.bm25_scores(query), expected.scores(query))
    assert not np.allclose(reopened.bm25_scores("算力规模"), built.bm25_scores("算力规模"))


def test_the_lock_message_advises_no_cli_flag(tmp_path):
    # The web interface shows this message too; only the CLI adds "--wait".
    message = str(IndexLockedError(tmp_path / "index", "pid 4242 on host"))
    assert "another build is running (pid 4242 on host)" in message and "--" not in message
