"""Which uploaded files may enter the library, and under which (sanitised) name.

Checks happen before anything is written: the name (no paths, no hidden or control
characters), the type (by extension and by content), the size and emptiness. Each refusal is
an :class:`UploadRejected` with a ``code`` the interface turns into a message in its language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DEFAULT_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")
TEXT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
MAX_STEM_CHARS = 100
_KEEP = set("-_.()（）")
_SNIFF_BYTES = 64 * 1024


class UploadRejected(Exception):
    """An upload that was refused; ``code`` names why, ``params`` fill in the message."""

    MESSAGES = {
        "name": "unusable file name {name!r} (no folders, control characters or leading dots)",
        "type": "{suffix} files are not supported; upload {types}",
        "too_big": "the file has {size_mb} MB, more than the limit of {max_mb} MB",
        "empty": "the file is empty",
        "binary": "the file does not look like text (it contains binary data)",
        "not_pdf": "the file is not a PDF",
        "not_docx": "the file is not a Word (.docx) document",
        "exists": "another file named {name} with different content is already in the library; "
        "rename the upload or remove the old document first",
        "duplicate": "two uploaded files are both called {name}",
        "unreadable": "the file could not be read: {detail}",
        "index_failed": "indexing failed: {detail}",
        "index_busy": "the library is being indexed by another process right now; add the file again in a minute",
    }

    def __init__(self, code: str, **params: Any):
        if code not in self.MESSAGES:
            raise ValueError(f"unknown rejection code {code!r}")
        self.code = code
        self.params = params
        super().__init__(self.MESSAGES[code].format(**params))

    def message(self, templates: dict[str, str] | None = None) -> str:
        """The reason, from ``templates`` (e.g. the interface's language) when it has the code."""
        template = (templates or {}).get(self.code, self.MESSAGES[self.code])
        return template.format(**self.params)


class UploadPolicy:
    """Args:
    suffixes: accepted extensions (lower case, with the dot).
    max_bytes: the largest accepted file.
    """

    def __init__(self, *, suffixes: Iterable[str] = DEFAULT_SUFFIXES, max_bytes: int):
        suffixes = tuple(s.lower() for s in suffixes)
        if not suffixes or any(not s.startswith(".") or len(s) < 2 for s in suffixes):
            raise ValueError(f"suffixes must be extensions like '.txt', got {suffixes!r}")
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.suffixes = suffixes
        self.max_bytes = int(max_bytes)

    def config(self) -> dict[str, Any]:
        return {"suffixes": list(self.suffixes), "max_bytes": self.max_bytes}

    @property
    def max_mb(self) -> str:
        return _mb(self.max_bytes)

    def safe_name(self, name: str) -> str:
        """The file name to store the upload under, or :class:`UploadRejected`.

        Folders, absolute paths, ``..``, control characters and hidden names are refused outright
        (they are never "repaired" into something else); other punctuation and spaces become ``_``.
        """
        raw = unicodedata.normalize("NFC", str(name or "")).strip()
        if (
            not raw
            or any(sep in raw for sep in ("/", "\\", ":"))
            or raw.startswith(".")
            or ".." in raw
            or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in raw)
        ):
            raise UploadRejected("name", name=str(name))
        stem, dot, suffix = raw.rpartition(".")
        suffix = f".{suffix.lower()}" if dot else ""
        if suffix not in self.suffixes:
            raise UploadRejected("type", suffix=suffix or "(no extension)", types=", ".join(self.suffixes))
        cleaned = "".join(ch if ch.isalnum() or ch in _KEEP else "_" for ch in stem)
        cleaned = re.sub(r"_{2,}", "_", cleaned).strip("._-")[:MAX_STEM_CHARS].rstrip("._-")
        if not cleaned:
            raise UploadRejected("name", name=str(name))
        return cleaned + suffix

    def check(self, path: str | Path, name: str) -> str:
        """Check the uploaded file at ``path`` (called ``name`` by the user); returns the safe name."""
        safe = self.safe_name(name)
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UploadRejected("unreadable", detail=exc.strerror or str(exc)) from exc
        if size == 0:
            raise UploadRejected("empty")
        if size > self.max_bytes:
            raise UploadRejected("too_big", size_mb=_mb(size), max_mb=self.max_mb)
        suffix = Path(safe).suffix
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
            if suffix in TEXT_SUFFIXES:
                if b"\x00" in head:
                    raise UploadRejected("binary")
                if not head.strip() and not (head + handle.read()).strip():
                    raise UploadRejected("empty")
        if suffix == ".pdf" and not head.lstrip()[:5] == b"%PDF-":
            raise UploadRejected("not_pdf")
        if suffix == ".docx" and not head.startswith(b"PK\x03\x04"):
            raise UploadRejected("not_docx")
        return safe


def _mb(size: float) -> str:
    return f"{size / 2**20:.1f}".rstrip("0").rstrip(".")
