"""What a document's source files looked like when they were read, to skip unchanged ones cheaply.

``index update`` must not load, clean and chunk every report again (minutes for a library of
PDFs) to find the few that changed. Like git and make, it trusts a file whose size and
modification time are the recorded ones; when they differ it hashes the content, and only a
different hash means reading the file again. A document also depends on its
``<stem>.meta.json`` sidecar (title, year), which is tracked the same way.

A file modified less than ``RACY_NS`` before it was looked at is recorded without its
modification time: a second edit of the same size within the same timestamp tick would
otherwise look unchanged (git's "racily clean" files). It is checked by hash at the next update.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RACY_NS = 2_000_000_000  # wider than the coarsest common timestamp granularity (FAT: 2 s)


def sidecar_path(path: Path) -> Path:
    # Imported here: ingest.pipeline pulls in the PDF and DOCX libraries, which opening an index
    # (e.g. for ``reportqa index status``) does not need.
    from ingest.pipeline import sidecar_path as ingest_sidecar_path

    return ingest_sidecar_path(path)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class FileState:
    """One file: size and modification time (the cheap check), sha256 (the exact one)."""

    size: int
    mtime_ns: int | None  # None: modified too close to being read to be trusted
    sha256: str

    @classmethod
    def of(cls, stat: os.stat_result, sha256: str, *, seen_ns: int) -> FileState:
        trusted = seen_ns - stat.st_mtime_ns >= RACY_NS
        return cls(size=stat.st_size, mtime_ns=stat.st_mtime_ns if trusted else None, sha256=sha256)

    def same_stat(self, stat: os.stat_result) -> bool:
        return self.mtime_ns is not None and (self.size, self.mtime_ns) == (stat.st_size, stat.st_mtime_ns)

    @classmethod
    def from_dict(cls, data: Any) -> FileState:
        if not isinstance(data, dict):
            raise ValueError(f"a file state must be a JSON object, got {data!r}")
        size, mtime_ns, sha256 = data.get("size"), data.get("mtime_ns"), data.get("sha256")
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"file size must be a non-negative integer, got {size!r}")
        if mtime_ns is not None and not isinstance(mtime_ns, int):
            raise ValueError(f"mtime_ns must be an integer or null, got {mtime_ns!r}")
        if not isinstance(sha256, str) or len(sha256) != 64:
            raise ValueError(f"sha256 must be 64 hex characters, got {sha256!r}")
        return cls(size=size, mtime_ns=mtime_ns, sha256=sha256)


@dataclass(frozen=True)
class SourceState:
    """A source file as last indexed, with its sidecar (``None`` when it had none)."""

    path: str  # as given to the ingest pipeline, i.e. ``Document.source``
    file: FileState
    sidecar: FileState | None = None

    @classmethod
    def from_dict(cls, data: Any) -> SourceState:
        if not isinstance(data, dict) or not isinstance(data.get("path"), str):
            raise ValueError(f"a source state must be a JSON object with a path, got {data!r}")
        sidecar = data.get("sidecar")
        return cls(path=data["path"], file=FileState.from_dict(data.get("file")),
                   sidecar=None if sidecar is None else FileState.from_dict(sidecar))


@dataclass(frozen=True)
class SourceProbe:
    """The ``stat`` of a source file and of its sidecar, taken *before* the file is read: if the
    file changes while it is read, the recorded time is older than the file and the next update
    hashes it again rather than trusting it."""

    path: Path
    file: os.stat_result
    sidecar: os.stat_result | None
    seen_ns: int

    @classmethod
    def take(cls, path: Path) -> SourceProbe | None:
        """``None`` when the file cannot be looked at (the pipeline will report why)."""
        try:
            file = path.stat()
            try:
                sidecar = sidecar_path(path).stat()
            except FileNotFoundError:
                sidecar = None
        except OSError:
            return None
        return cls(path=path, file=file, sidecar=sidecar, seen_ns=time.time_ns())

    def unchanged(self, recorded: SourceState | None) -> SourceState | None:
        """``recorded`` brought up to date if the files still hold the recorded content (hashing
        only a file whose modification time changed but whose size did not), else ``None``."""
        if recorded is None or recorded.path != str(self.path):
            return None
        if (recorded.sidecar is None) != (self.sidecar is None):
            return None
        file = self._confirm(self.path, self.file, recorded.file)
        if file is None:
            return None
        if self.sidecar is None:
            return SourceState(recorded.path, file)
        assert recorded.sidecar is not None  # same presence, checked above
        sidecar = self._confirm(sidecar_path(self.path), self.sidecar, recorded.sidecar)
        return None if sidecar is None else SourceState(recorded.path, file, sidecar)

    def state(self, *, sha256: str) -> SourceState | None:
        """What to record once the pipeline has read the file; ``sha256`` is the hash of the
        bytes it read (``Document.sha256``). ``None`` if the sidecar cannot be hashed."""
        sidecar = None
        if self.sidecar is not None:
            try:
                sidecar = FileState.of(self.sidecar, file_sha256(sidecar_path(self.path)), seen_ns=self.seen_ns)
            except OSError:
                return None
        return SourceState(str(self.path), FileState.of(self.file, sha256, seen_ns=self.seen_ns), sidecar)

    def _confirm(self, path: Path, stat: os.stat_result, recorded: FileState) -> FileState | None:
        if recorded.same_stat(stat):
            return recorded
        if stat.st_size != recorded.size:
            return None  # no need to hash: the content is different
        try:
            digest = file_sha256(path)
        except OSError:
            return None
        return FileState.of(stat, digest, seen_ns=self.seen_ns) if digest == recorded.sha256 else None
