"""Which snapshots of an index are still being read, so that a build drops none of them.

Opening a snapshot whose vectors live in Milvus takes a *lease*: a small JSON file (host, pid,
snapshot) in ``.<index>.readers/`` beside the index folder, where every process reading that
index (on this host, or on others sharing the folder) finds it. The lease ends when the object
reading the snapshot is closed or garbage-collected, or its process exits; a lease left by a
process that died on this host is recognised by its pid and removed. A lease from another host
cannot be checked that way and counts until it is ``max_age`` old.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path

# A day: longer than any request or evaluation run, short enough that a crashed reader on
# another host does not keep its collection for good.
FOREIGN_LEASE_MAX_AGE = 86_400.0


def readers_dir(index_dir: str | Path) -> Path:
    index_dir = Path(index_dir)
    return index_dir.parent / f".{index_dir.name}.readers"


class SnapshotLeases:
    """Leases on the snapshots of the index in ``index_dir``."""

    def __init__(self, index_dir: str | Path, *, max_age: float = FOREIGN_LEASE_MAX_AGE):
        if max_age <= 0:
            raise ValueError(f"max_age must be > 0 seconds, got {max_age}")
        self.directory = readers_dir(index_dir)
        self.max_age = max_age

    def hold(self, snapshot: str, owner: object) -> Callable[[], None]:
        """Lease ``snapshot`` for as long as ``owner`` lives; returns the release function
        (calling it again does nothing)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{snapshot}-{uuid.uuid4().hex[:12]}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"snapshot": snapshot, "host": socket.gethostname(), "pid": os.getpid()}),
                             encoding="utf-8")
        temporary.replace(path)  # never a half-written lease
        return weakref.finalize(owner, _unlink, path)

    def held(self) -> set[str]:
        """The snapshots some live reader holds; stale leases are removed on the way."""
        if not self.directory.is_dir():
            return set()
        host, now, out = socket.gethostname(), time.time(), set()
        for path in self.directory.glob("*.json"):
            try:
                lease = json.loads(path.read_text(encoding="utf-8"))
                age = now - path.stat().st_mtime
            except (OSError, ValueError):
                continue  # released meanwhile, or not ours to judge
            alive = _running(lease.get("pid")) if lease.get("host") == host else age < self.max_age
            if alive:
                out.add(str(lease.get("snapshot")))
            else:
                _unlink(path)
        return out


def _running(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
