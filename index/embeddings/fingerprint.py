"""sha256 of model weights, remembered by (size, mtime) so a 1 GB file is hashed once."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def file_sha256(path: str | Path, *, memo_path: str | Path | None = None) -> str:
    """Hex sha256 of ``path``'s bytes.

    With ``memo_path`` (a small JSON file), a hash computed before is reused while the file's
    size and modification time are unchanged: hashing EmbeddingGemma takes ~5 s.
    """
    path = Path(path).expanduser().resolve()
    stat = path.stat()
    key = str(path)
    stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    memo = _read_memo(memo_path)
    known = memo.get(key)
    if isinstance(known, dict) and all(known.get(k) == v for k, v in stamp.items()):
        digest = known.get("sha256")
        if isinstance(digest, str) and len(digest) == 64:
            return digest
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            sha.update(block)
    digest = sha.hexdigest()
    if memo_path is not None:
        memo[key] = {**stamp, "sha256": digest}
        _write_memo(Path(memo_path), memo)
    return digest


def _read_memo(memo_path: str | Path | None) -> dict:
    if memo_path is None:
        return {}
    try:
        data = json.loads(Path(memo_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a missing or damaged memo only costs a re-hash
    return data if isinstance(data, dict) else {}


def _write_memo(memo_path: Path, memo: dict) -> None:
    memo_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo_path.with_name(f".{memo_path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(memo, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, memo_path)
