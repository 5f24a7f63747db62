"""Replace a directory with a fully written new version, never leaving a half-written one."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


def staging_dir(target: Path) -> Path:
    """A fresh sibling of ``target`` to write the next version into (same filesystem, so the
    final rename is atomic)."""
    staged = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staged.mkdir(parents=True)
    return staged


def previous_dir(target: Path) -> Path:
    """Where the current version waits while the new one is renamed into place."""
    return target.parent / f".{target.name}.previous"


def remove_stale_staging(target: Path) -> None:
    """Delete staging folders left by builds that crashed (call while holding the build lock)."""
    for leftover in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def recover(target: Path) -> None:
    """If a crash fell between the two renames of :func:`swap_in`, put the previous version back."""
    previous = previous_dir(target)
    if previous.is_dir() and not target.exists():
        os.rename(previous, target)
    elif previous.is_dir():
        shutil.rmtree(previous, ignore_errors=True)


def swap_in(staged: Path, target: Path) -> None:
    """Make ``staged`` the new ``target``. The old version is kept (as ``.previous``) until the
    new one is in place, then deleted. Files are flushed to disk first, so a power cut after
    the swap cannot leave the new version with empty files."""
    _fsync_tree(staged)
    recover(target)
    previous = previous_dir(target)
    if target.exists():
        os.rename(target, previous)
    try:
        os.rename(staged, target)
    except BaseException:
        if previous.exists() and not target.exists():
            os.rename(previous, target)
        raise
    _fsync_dir(target.parent)
    shutil.rmtree(previous, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
