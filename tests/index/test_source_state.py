"""Source states in the manifest: recorded for every document, kept in JSON, checked on load."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest
from index_test_doubles import HashEmbeddings

from index.errors import IndexCorruptError
from index.library_index import LibraryIndex
from index.manifest import Manifest
from index.source_state import RACY_NS, FileState, SourceProbe, SourceState


def test_every_document_records_its_file_and_sidecar_and_survives_json(tmp_path, library, pipeline):
    (library / "beta.meta.json").write_text(json.dumps({"title": "Green Finance Report"}), encoding="utf-8")
    an_hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(library / "alpha.txt", ns=(an_hour_ago, an_hour_ago))
    index = LibraryIndex.build(tmp_path / "index", library, embeddings=HashEmbeddings(), pipeline=pipeline,
                               progress=False).index

    alpha, beta = index.manifest.documents["alpha"].source, index.manifest.documents["beta"].source
    assert alpha.path == str(library / "alpha.txt") and alpha.sidecar is None
    assert alpha.file == FileState(size=(library / "alpha.txt").stat().st_size, mtime_ns=an_hour_ago,
                                   sha256=hashlib.sha256((library / "alpha.txt").read_bytes()).hexdigest())
    assert beta.file.mtime_ns is None  # written a moment ago: to be confirmed by hash next time
    assert beta.sidecar.sha256 == hashlib.sha256((library / "beta.meta.json").read_bytes()).hexdigest()
    assert Manifest.load(tmp_path / "index") == index.manifest
    assert "pypdf" in index.manifest.versions  # text extraction shapes the documents


@pytest.mark.parametrize(("damage", "message"), [
    ({"path": 3}, "with a path"),
    ({"file": {"size": -1, "mtime_ns": 1, "sha256": "0" * 64}}, "non-negative"),
    ({"file": {"size": 1, "mtime_ns": "yesterday", "sha256": "0" * 64}}, "mtime_ns"),
    ({"sidecar": {"size": 1, "mtime_ns": None, "sha256": "abc"}}, "64 hex"),
])
def test_a_damaged_source_entry_is_reported(tmp_path, library, pipeline, damage, message):
    LibraryIndex.build(tmp_path / "index", library, embeddings=HashEmbeddings(), pipeline=pipeline, progress=False)
    path = tmp_path / "index" / Manifest.FILENAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["documents"]["alpha"]["source"].update(damage)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=f"unreadable manifest.*{message}"):
        LibraryIndex.open(tmp_path / "index")


def test_probe_of_a_missing_file_is_none(tmp_path):
    assert SourceProbe.take(tmp_path / "gone.txt") is None


def test_a_probe_taken_before_a_fresh_edit_does_not_trust_its_time(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("text", encoding="utf-8")
    probe = SourceProbe.take(path)
    state = probe.state(sha256=hashlib.sha256(b"text").hexdigest())
    assert state.file.mtime_ns is None
    # The same file seen long after its last change is trusted by size and time alone.
    later = SourceProbe(path=path, file=probe.file, sidecar=None, seen_ns=probe.file.st_mtime_ns + RACY_NS)
    trusted = later.state(sha256=state.file.sha256)
    assert trusted.file.mtime_ns == probe.file.st_mtime_ns
    assert later.unchanged(trusted) == trusted
    assert later.unchanged(SourceState(str(tmp_path / "b.txt"), trusted.file)) is None  # another path
