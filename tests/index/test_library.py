"""The Library service: one owner of the sources, the snapshots and their version."""

from __future__ import annotations

import os
import time

import pytest

from index.errors import IndexNotFoundError
from index.library import Library
from index.library_index import LibraryIndex
from index.store_config import StoreConfig


def make_library(tmp_path, library, embeddings, pipeline, **options) -> Library:
    return Library(tmp_path / "index", folders=[library], upload_dir=tmp_path / "uploads", embeddings=embeddings,
                   pipeline=pipeline, **{"check_interval": 0, **options})


def settle(folder) -> None:
    """Date the files before the racy-mtime window, so an unchanged file is known without reading it."""
    written = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (written, written))


def test_every_write_gives_a_new_version_and_snapshots_stay_as_they_were(tmp_path, library, embeddings, pipeline):
    settle(library)
    shared = make_library(tmp_path, library, embeddings, pipeline)
    with pytest.raises(IndexNotFoundError):
        shared.current()
    seen = []
    shared.subscribe(seen.append)
    first = shared.build().index
    assert shared.current() is first and shared.version == first.version == 1 and seen == [first]

    assert not shared.update().written and shared.version == 1 and len(seen) == 1  # nothing changed
    (library / "delta.txt").write_text("# 新能源\n\n新能源汽车产量增长。", encoding="utf-8")
    second = shared.update().index
    assert shared.current() is second and second.version == 2 and seen == [first, second]

    third = shared.remove("delta")
    assert third.version == 3 and shared.current() is third
    assert "delta" in second.manifest.documents and "delta" not in third.manifest.documents  # not changed in place
    assert [d.doc_id for d in second.documents()] == ["alpha", "beta", "delta", "gamma"]


def test_a_write_by_another_process_is_the_next_version(tmp_path, library, embeddings, pipeline):
    shared = make_library(tmp_path, library, embeddings, pipeline)
    shared.build()
    (library / "delta.txt").write_text("# 新能源\n\n新能源汽车产量增长。", encoding="utf-8")
    LibraryIndex.update(tmp_path / "index", [library], embeddings=embeddings, pipeline=pipeline, progress=False)
    assert shared.version == 2 and "delta" in shared.current().manifest.documents


def test_sources_are_the_folders_and_the_upload_folder_once_created(tmp_path, library, embeddings, pipeline):
    shared = make_library(tmp_path, library, embeddings, pipeline)
    assert shared.sources == [library.resolve(), (tmp_path / "uploads").resolve()]
    shared.build()  # no upload folder yet: not an error
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "upload.txt").write_text("# 上传\n\n上传的报告。", encoding="utf-8")
    assert shared.update().added == ["upload"]


def test_files_read_by_the_caller_are_not_read_again(tmp_path, library, embeddings):
    from test_incremental_update import RecordingPipeline

    pipeline = RecordingPipeline()
    shared = make_library(tmp_path, library, embeddings, pipeline)
    shared.build()
    staged = tmp_path / "staging" / "delta.txt"
    staged.parent.mkdir()
    staged.write_text("# 新能源\n\n新能源汽车产量增长。", encoding="utf-8")
    checked = pipeline.run(staged)  # as an upload is checked before it is copied in
    (tmp_path / "uploads").mkdir()
    target = tmp_path / "uploads" / "delta.txt"
    target.write_bytes(staged.read_bytes())
    pipeline.read.clear()
    result = shared.update(ingested={target: checked})
    assert result.added == ["delta"] and pipeline.read == []
    assert result.index.documents()[2].source == str(target.resolve())  # where it is now, not the staging copy
    pipeline.read.clear()
    fresh = LibraryIndex.build(tmp_path / "fresh", shared.sources, embeddings=embeddings, pipeline=pipeline,
                               progress=False).index
    assert [c.to_dict() for c in fresh.chunks] == [c.to_dict() for c in result.index.chunks]


def test_a_library_opened_without_models_reads_and_removes_but_does_not_build(tmp_path, library, embeddings,
                                                                               pipeline):
    make_library(tmp_path, library, embeddings, pipeline).build()
    reader = Library(tmp_path / "index", folders=[library])
    assert reader.version == 1 and len(reader.current().documents()) == 3
    with pytest.raises(ValueError, match="reading only"):
        reader.update()
    assert reader.remove("beta").version == 2


def test_a_copy_in_place_is_the_next_version_and_readers_switch_to_it_at_once(tmp_path, library, embeddings,
                                                                              pipeline):
    shared = make_library(tmp_path, library, embeddings, pipeline, check_interval=3600)  # never looks by itself
    first = shared.build().index
    seen = []
    shared.subscribe(seen.append)
    milvus = StoreConfig(store="milvus", milvus_uri=str(tmp_path / "library.db"))
    copied = shared.copy(milvus)
    assert copied.version == 2 and shared.current() is copied and seen == [copied]
    assert copied.status()["store"]["kind"] == "milvus" and first.status()["store"]["kind"] == "faiss"
    assert shared.copy(milvus).version == 2 and seen == [copied]  # already there: no new snapshot
    elsewhere = shared.copy(StoreConfig(), dest=tmp_path / "faiss-copy")
    assert elsewhere.version == 1 and elsewhere.status()["store"]["kind"] == "faiss"
    assert shared.current() is copied and seen == [copied]  # another folder's snapshot, not this library's
    assert shared.update().chunks_embedded == 0  # the library goes on from its copy
