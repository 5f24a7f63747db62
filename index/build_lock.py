"""One builder per index at a time, across processes."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import IndexLockedError


class BuildLock:
    """An exclusive ``filelock`` next to the index directory, held while it is rewritten.

    Policy: fail fast. With ``timeout=0`` (the default) a second builder gets
    :class:`IndexLockedError` naming the pid holding the lock, rather than silently queueing
    behind a multi-minute build; pass ``timeout`` (seconds) to wait instead. The lock is a
    kernel ``flock``: it is released when the holder exits, even after a crash or ``kill -9``.
    Readers never take it: they read complete snapshots (see ``atomic_swap``).
    """

    def __init__(self, index_dir: str | Path, *, timeout: float = 0.0):
        if timeout < 0:
            raise ValueError(f"timeout must be >= 0 seconds, got {timeout!r}")
        index_dir = Path(index_dir)
        self.path = index_dir.parent / f".{index_dir.name}.lock"
        # The lock file itself is truncated by every contender, so the owner is recorded apart.
        self.owner_path = index_dir.parent / f".{index_dir.name}.lock.owner"
        self.index_dir = index_dir
        self.timeout = timeout
        self._lock = FileLock(self.path, timeout=timeout)

    def __enter__(self) -> BuildLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            raise IndexLockedError(self.index_dir, self._owner()) from None
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
        self.owner_path.write_text(json.dumps(owner), encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.owner_path.unlink(missing_ok=True)
        finally:
            self._lock.release()

    def _owner(self) -> str:
        try:
            owner = json.loads(self.owner_path.read_text(encoding="utf-8"))
            return f"pid {owner['pid']} on {owner['host']} since {owner['since']}"
        except (OSError, ValueError, KeyError, TypeError):
            return "pid unknown"
