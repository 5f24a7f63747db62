"""What an index was built from: embedder, chunker, documents and library versions (JSON)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from index.source_state import SourceState

# Version 1 manifests without ``source`` entries still load: their files are read once more.
FORMAT_VERSION = 1

# The libraries whose behaviour shapes the stored files, the text read from the sources or the
# vectors. When one changes, ``index update`` reads every source again (see ``sources_trusted``).
_TRACKED_DISTRIBUTIONS = ("reportqa", "faiss-cpu", "bm25s", "sentence-transformers", "torch", "jieba",
                          "pypdf", "python-docx", "beautifulsoup4", "charset-normalizer", "onnxruntime", "openvino")


# What makes two embedders' vectors comparable: the same weights run the same way.
_EMBEDDER_KEYS = ("name", "fingerprint", "dimension", "backend", "quantization")


@dataclass(frozen=True)
class DocumentEntry:
    sha256: str
    chunks: int
    indexed_at: str
    signature: str  # hash of everything the index stores for the document (detects changes)
    source: SourceState | None = None  # its files when read (None: unknown, read them again)


@dataclass
class Manifest:
    embedder: dict[str, Any]  # name, fingerprint (weights sha256), dimension, backend, quantization, ...
    chunker: dict[str, Any]  # IngestPipeline.config()
    tokenizer: dict[str, Any]  # BM25 tokenizer config
    documents: dict[str, DocumentEntry] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    built_at: str = ""
    build_seconds: float = 0.0
    format_version: int = FORMAT_VERSION
    # Where vectors and keyword statistics live (``index.vector_store``); empty: the FAISS and
    # bm25s files beside the manifest, which then reads exactly as before stores existed.
    store: dict[str, Any] = field(default_factory=dict)
    # The snapshot's number in its index folder: every write (build, update, remove, copy) gives
    # the next one. Caches of anything derived from a snapshot key on it. 0: written before
    # snapshots were numbered.
    version: int = 0

    FILENAME = "manifest.json"

    @property
    def chunk_count(self) -> int:
        return sum(entry.chunks for entry in self.documents.values())

    def sources_trusted(self, versions: dict[str, str]) -> bool:
        """Whether the recorded source states may stand for re-reading the files: not when a
        library that shapes the text read from them (or anything else stored) has changed."""
        return self.versions == versions

    def same_contents(self, other: Manifest) -> bool:
        """Equal apart from when the build ran, how long it took and its number: nothing to write."""
        return replace(self, built_at=other.built_at, build_seconds=other.build_seconds, version=other.version) == other

    def to_json(self) -> str:
        data = asdict(self)
        data["documents"] = {doc_id: asdict(entry) for doc_id, entry in sorted(self.documents.items())}
        if not data["store"]:
            del data["store"]
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def save(self, directory: str | Path) -> None:
        (Path(directory) / self.FILENAME).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> Manifest:
        path = Path(directory) / cls.FILENAME
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"{path} has format version {data.get('format_version')!r}, this reportqa reads {FORMAT_VERSION}"
            )
        data["documents"] = {k: _document_entry(v) for k, v in data.get("documents", {}).items()}
        return cls(**data)

    @classmethod
    def current_version(cls, directory: str | Path) -> int:
        """The version of the manifest in ``directory``; 0 when there is none or it is unreadable
        (the next snapshot is then 1, or 1 more than any readable one)."""
        try:
            version = json.loads((Path(directory) / cls.FILENAME).read_text(encoding="utf-8")).get("version", 0)
        except (OSError, ValueError, AttributeError):
            return 0
        return version if isinstance(version, int) and not isinstance(version, bool) and version > 0 else 0

    @staticmethod
    def file_sha256(directory: str | Path) -> str:
        return hashlib.sha256((Path(directory) / Manifest.FILENAME).read_bytes()).hexdigest()

    def differences(
        self,
        *,
        embedder: dict[str, Any] | None = None,
        chunker: dict[str, Any] | None = None,
        tokenizer: dict[str, Any] | None = None,
    ) -> list[str]:
        """Human-readable ``what: old -> new`` lines for every setting that differs."""
        found: list[str] = []
        if embedder is not None:
            # Manifests written before backends were recorded have neither key: their fingerprint
            # is the sha256 of the published weights, which only the native backend ran then.
            keys = _EMBEDDER_KEYS if "backend" in self.embedder else _EMBEDDER_KEYS[:3]
            for key in keys:
                old, new = self.embedder.get(key), embedder.get(key)
                if old != new:
                    found.append(f"embedder {key}: index has {_short(old)}, now {_short(new)}")
        for what, old_config, new_config in (("chunker", self.chunker, chunker), ("tokenizer", self.tokenizer, tokenizer)):
            if new_config is None:
                continue
            for key in sorted(set(old_config) | set(new_config)):
                old, new = old_config.get(key), new_config.get(key)
                if old != new:
                    found.append(f"{what} {key}: index has {_short(old)}, now {_short(new)}")
        return found


def _document_entry(data: dict[str, Any]) -> DocumentEntry:
    source = data.get("source")
    return DocumentEntry(**{**data, "source": None if source is None else SourceState.from_dict(source)})


def library_versions() -> dict[str, str]:
    versions = {}
    for name in _TRACKED_DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    # Fingerprints are 64 hex characters; 12 are enough to tell them apart in a message.
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        text = value[:12] + "…"
    return text
