"""The current snapshot of an index directory, for a process that keeps running while the index
is rebuilt, updated or trimmed (by itself or by ``reportqa index`` in another process)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from index.library_index import LibraryIndex
from index.manifest import Manifest

logger = logging.getLogger(__name__)

Stamp = tuple[int, int, int]  # (inode, size, mtime_ns) of the manifest
Listener = Callable[[LibraryIndex], None]


def manifest_stamp(index_dir: Path) -> Stamp | None:
    """What identifies the manifest on disk; a build swaps in a new file, so its inode changes
    even when the clock's resolution hides the new mtime. None while there is none (mid-swap)."""
    try:
        info = (index_dir / Manifest.FILENAME).stat()
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


class LiveIndex:
    """Holds the current :class:`LibraryIndex` and switches to a new one when the manifest changes.

    ``current()`` looks at the manifest at most every ``check_interval`` seconds (one ``stat``);
    when it changed, one caller opens the new snapshot while the others go on with the old one,
    then the reference is swapped. Requests in flight keep the snapshot they started with (a
    snapshot is read-only and stays usable while referenced). A new snapshot that cannot be
    opened (other settings, damaged) is logged and the old one kept; ``problem`` says why.

    Args:
        index_dir: the index directory to follow.
        open_snapshot: ``index_dir -> LibraryIndex`` (checks embedder and chunker).
        index: the snapshot already open, if any (else opened now).
        check_interval: seconds between looks at the manifest.
        clock: monotonic seconds (replaceable in tests).
    """

    def __init__(self, index_dir: str | Path, *, open_snapshot: Callable[[Path], LibraryIndex],
                 index: LibraryIndex | None = None, check_interval: float = 2.0,
                 clock: Callable[[], float] = time.monotonic):
        if check_interval < 0:
            raise ValueError(f"check_interval must be >= 0 seconds, got {check_interval}")
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        self.problem: str | None = None
        self._open = open_snapshot
        self._clock = clock
        self._stamp = manifest_stamp(self.index_dir)
        self._index = index if index is not None else open_snapshot(self.index_dir)
        self._checked = clock()
        self._reloading = threading.Lock()
        self._listeners: list[Listener] = []

    def config(self) -> dict[str, float]:
        return {"check_interval": self.check_interval}

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(new_index)`` after every switch (e.g. to forget retrievers)."""
        self._listeners.append(listener)

    def current(self) -> LibraryIndex:
        """The newest snapshot (opened now if the manifest changed since the last look)."""
        now = self._clock()
        if now - self._checked >= self.check_interval:
            self._checked = now
            stamp = manifest_stamp(self.index_dir)
            if stamp is not None and stamp != self._stamp and self._reloading.acquire(blocking=False):
                try:
                    self._reload(stamp)
                finally:
                    self._reloading.release()
        return self._index

    def replace(self, index: LibraryIndex) -> None:
        """Adopt ``index``, just written by this process (no need to read it back)."""
        with self._reloading:
            self._switch(index, manifest_stamp(self.index_dir))

    def _reload(self, stamp: Stamp) -> None:
        if stamp == self._stamp:  # another thread got there first
            return
        try:
            index = self._open(self.index_dir)
        except Exception as exc:  # keep answering from the snapshot we have
            if self.problem != str(exc):
                logger.warning("the index at %s changed but cannot be loaded; still serving the previous "
                               "snapshot: %s", self.index_dir, exc)
            self.problem = str(exc)
            self._stamp = stamp  # not again until the manifest changes once more
            return
        logger.info("index at %s changed on disk: switched to the new snapshot", self.index_dir)
        self._switch(index, stamp)

    def _switch(self, index: LibraryIndex, stamp: Stamp | None) -> None:
        self._index, self._stamp, self.problem = index, stamp, None
        for listener in self._listeners:
            listener(index)
