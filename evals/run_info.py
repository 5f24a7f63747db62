"""What ``run.json`` records so that two runs can be compared: data, index, models, settings."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# Manifest fields that change on every rebuild without changing what is searched.
_BUILD_MOMENT_KEYS = {"built_at", "build_seconds", "indexed_at"}
# Settings that are secrets or only say where files live: never written, never compared.
_SECRET_SETTINGS = {"openai_api_key", "password", "username"}


def _without(data: Any, keys: set[str]) -> Any:
    if isinstance(data, Mapping):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


def manifest_content_sha256(index_dir: str | Path) -> str | None:
    """sha256 of the index manifest without its build timestamps, so a rebuild of the same
    documents with the same models and chunker hashes the same; ``None`` without an index."""
    path = Path(index_dir) / "manifest.json"
    if not path.is_file():
        return None
    data = _without(json.loads(path.read_text(encoding="utf-8")), _BUILD_MOMENT_KEYS)
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def settings_record(settings: Any) -> dict[str, Any]:
    """The settings as JSON, secrets removed (pydantic ``Settings`` or a plain mapping)."""
    data = settings.model_dump(mode="json") if hasattr(settings, "model_dump") else dict(settings)
    return _without(data, _SECRET_SETTINGS)


def chat_model_name(settings: Any, backend: str) -> str:
    if backend == "local":
        return str(settings.models.chat_model)
    if backend == "openai":
        return str(settings.assistant.openai_model or "openai (default model)")
    return "extractive (no model)"


def build_run_info(
    *,
    settings: Any,
    backend: str,
    suite: str | Path | None = None,
    suite_sha256: str | None = None,
    index_dir: str | Path | None = None,
    extra: Mapping[str, Any] | None = None,
    argv: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The ``run.json`` content for a run with these settings and inputs."""
    info: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": list(argv if argv is not None else sys.argv),
        "python": platform.python_version(),
        "backend": backend,
        "chat_model": chat_model_name(settings, backend),
        "embedder": str(settings.models.embedder),
        "settings": settings_record(settings),
    }
    if suite is not None:
        info["suite"] = str(suite)
        info["suite_sha256"] = suite_sha256
    if index_dir is not None:
        info["index_manifest_sha256"] = manifest_content_sha256(index_dir)
        manifest = Path(index_dir) / "manifest.json"
        if manifest.is_file():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            info["index"] = {
                "documents": sorted(data.get("documents", {})),
                "embedder": data.get("embedder", {}),
                "chunker": data.get("chunker", {}),
                "versions": data.get("versions", {}),
            }
    info.update(extra or {})
    return info
