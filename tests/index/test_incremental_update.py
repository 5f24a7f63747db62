"""``LibraryIndex.update`` reads only the source files that changed, and still equals a full build."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from index_test_doubles import HashEmbeddings

from index.library_index import LibraryIndex
from index.manifest import Manifest
from ingest.pipeline import IngestPipeline


class RecordingPipeline(IngestPipeline):
    """The real pipeline, noting the name of every file it reads."""

    def __init__(self) -> None:
        super().__init__(chunk_size=120, chunk_overlap=20)
        self.read: list[str] = []

    def run(self, path):
        self.read.append(Path(path).name)
        return super().run(path)


def age(*paths: Path, seconds_ago: int = 3600) -> None:
    """Give files a modification time well in the past, as a library at rest has."""
    when = time.time_ns() - seconds_ago * 10**9
    for path in paths:
        os.utime(path, ns=(when, when))


def aged_library(library: Path) -> Path:
    age(*library.iterdir())
    return library


def build(index_dir, library, pipeline=None):
    return LibraryIndex.build(index_dir, library, embeddings=HashEmbeddings(),
                              pipeline=pipeline or RecordingPipeline(), progress=False)


def update(index_dir, library, pipeline):
    return LibraryIndex.update(index_dir, library, embeddings=HashEmbeddings(), pipeline=pipeline, progress=False)


def assert_same_index(a: LibraryIndex, b: LibraryIndex) -> None:
    assert [c.chunk_id for c in a.chunks] == [c.chunk_id for c in b.chunks]
    assert a.chunks == b.chunks
    np.testing.assert_array_equal(a._vector_ids, b._vector_ids)
    np.testing.assert_array_equal(a.vectors(), b.vectors())
    assert [d.to_dict() | {"indexed_at": None} for d in a.documents()] == \
           [d.to_dict() | {"indexed_at": None} for d in b.documents()]
    for doc_id in a.manifest.documents:
        assert a.document_text(doc_id) == b.document_text(doc_id)
    assert {d: (e.sha256, e.signature, e.chunks) for d, e in a.manifest.documents.items()} == \
           {d: (e.sha256, e.signature, e.chunks) for d, e in b.manifest.documents.items()}


def test_nothing_changed_reads_no_file_and_writes_nothing(tmp_path, library):
    index_dir = tmp_path / "index"
    built = build(index_dir, aged_library(library))
    before = built.index.status()["manifest_sha256"]

    pipeline = RecordingPipeline()
    result = update(index_dir, library, pipeline)
    assert pipeline.read == []
    assert result.not_read == result.unchanged == ["alpha", "beta", "gamma"]
    assert not result.written and result.chunks_embedded == 0
    assert Manifest.file_sha256(index_dir) == before
    assert result.index.chunks == built.index.chunks
    assert "3 not read again" in result.summary() and "nothing written" in result.summary()


def test_update_after_edits_reads_only_those_files_and_equals_a_full_build(tmp_path, library):
    index_dir = tmp_path / "index"
    build(index_dir, aged_library(library))
    alpha = library / "alpha.txt"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("53.9万亿元", "56.1万亿元"), encoding="utf-8")
    (library / "delta.txt").write_text("# 数据要素\n\n数据要素市场化配置改革持续推进，公共数据开放共享。", encoding="utf-8")
    (library / "beta.txt").unlink()

    pipeline = RecordingPipeline()
    updated = update(index_dir, library, pipeline)
    assert sorted(pipeline.read) == ["alpha.txt", "delta.txt"]
    assert updated.added == ["delta"] and updated.changed == ["alpha"] and updated.removed == ["beta"]
    assert updated.unchanged == updated.not_read == ["gamma"] and updated.written

    rebuilt = build(tmp_path / "fresh", library)
    assert_same_index(updated.index, rebuilt.index)
    reopened = LibraryIndex.open(index_dir, embeddings=HashEmbeddings(), pipeline=pipeline)
    assert_same_index(reopened, rebuilt.index)


def test_a_touched_file_is_hashed_not_read_and_its_new_time_recorded(tmp_path, library):
    index_dir = tmp_path / "index"
    build(index_dir, aged_library(library))
    age(library / "alpha.txt", seconds_ago=60)  # same content, another modification time

    pipeline = RecordingPipeline()
    touched = update(index_dir, library, pipeline)
    assert pipeline.read == [] and touched.not_read == ["alpha", "beta", "gamma"]
    assert touched.written  # the new time is recorded, so that next time no hash is needed
    recorded = touched.index.manifest.documents["alpha"].source.file
    assert recorded.mtime_ns == (library / "alpha.txt").stat().st_mtime_ns

    again = update(index_dir, library, pipeline)
    assert pipeline.read == [] and not again.written


def test_an_edit_of_the_same_size_is_caught_by_the_content_hash(tmp_path, library):
    index_dir = tmp_path / "index"
    build(index_dir, aged_library(library))
    alpha = library / "alpha.txt"
    size = alpha.stat().st_size
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("30个", "31个"), encoding="utf-8")
    age(alpha, seconds_ago=60)
    assert alpha.stat().st_size == size

    pipeline = RecordingPipeline()
    result = update(index_dir, library, pipeline)
    assert pipeline.read == ["alpha.txt"] and result.changed == ["alpha"]
    assert any("31个" in c.text for c in result.index.chunks)


def test_an_edit_within_the_same_timestamp_tick_is_not_missed(tmp_path, library):
    """A file modified just before it was indexed is not trusted by its time: a same-size edit
    that keeps the very same modification time (as within one coarse timestamp tick) is found."""
    index_dir = tmp_path / "index"
    alpha = library / "alpha.txt"
    build(index_dir, library)  # files written a moment ago
    recorded = alpha.stat()
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("30个", "31个"), encoding="utf-8")
    os.utime(alpha, ns=(recorded.st_atime_ns, recorded.st_mtime_ns))
    assert (alpha.stat().st_size, alpha.stat().st_mtime_ns) == (recorded.st_size, recorded.st_mtime_ns)

    result = update(index_dir, library, RecordingPipeline())
    assert result.changed == ["alpha"]


def test_a_sidecar_added_edited_or_removed_is_a_change(tmp_path, library):
    index_dir = tmp_path / "index"
    sidecar = library / "alpha.meta.json"
    build(index_dir, aged_library(library))

    def update_and_title():
        pipeline = RecordingPipeline()
        result = update(index_dir, library, pipeline)
        assert pipeline.read == ["alpha.txt"] and result.changed == ["alpha"]
        return {d.doc_id: d.title for d in result.index.documents()}["alpha"]

    sidecar.write_text(json.dumps({"title": "数字经济报告"}), encoding="utf-8")
    assert update_and_title() == "数字经济报告"
    sidecar.write_text(json.dumps({"title": "数字经济发展报告（2024）"}), encoding="utf-8")
    assert update_and_title() == "数字经济发展报告（2024）"
    sidecar.unlink()
    assert update_and_title() == "数字经济"


@pytest.mark.parametrize("outdated", ["no source states", "another pypdf"])
def test_an_older_manifest_reads_every_file_once(tmp_path, library, outdated):
    index_dir = tmp_path / "index"
    build(index_dir, aged_library(library))
    manifest_path = index_dir / Manifest.FILENAME
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    if outdated == "no source states":  # as written before they were recorded
        for entry in data["documents"].values():
            del entry["source"]
    else:  # text extraction may differ: the recorded states cannot stand for the files
        data["versions"]["pypdf"] = "0.0.1"
    manifest_path.write_text(json.dumps(data), encoding="utf-8")

    pipeline = RecordingPipeline()
    first = update(index_dir, library, pipeline)
    assert sorted(pipeline.read) == ["alpha.txt", "beta.txt", "gamma.txt"]
    assert first.unchanged == ["alpha", "beta", "gamma"] and first.not_read == []
    assert first.chunks_embedded == 0 and first.written

    pipeline.read.clear()
    second = update(index_dir, library, pipeline)
    assert pipeline.read == [] and not second.written


def test_a_new_file_with_the_id_of_an_unread_one_gives_what_a_full_build_gives(tmp_path, library):
    index_dir = tmp_path / "index"
    build(index_dir, aged_library(library))
    (library / "alpha.md").write_text("# 数字经济（新版）\n\n数字经济规模再创新高。", encoding="utf-8")

    updated = update(index_dir, library, RecordingPipeline())
    rebuilt = build(tmp_path / "fresh", library)
    assert [Path(e.path).name for e in updated.errors] == [Path(e.path).name for e in rebuilt.errors] == ["alpha.txt"]
    assert updated.changed == ["alpha"]
    assert_same_index(updated.index, rebuilt.index)


def test_removing_a_document_keeps_the_others_unread_on_update(tmp_path, library):
    index_dir = tmp_path / "index"
    build(index_dir, aged_library(library)).index.remove("beta")
    pipeline = RecordingPipeline()
    result = update(index_dir, library, pipeline)
    assert pipeline.read == ["beta.txt"] and result.added == ["beta"]
    assert result.not_read == ["alpha", "gamma"]
