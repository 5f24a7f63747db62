"""What a loader returns, and the interface every loader implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal


@dataclass
class LoadedText:
    """Raw text of one file, before cleaning.

    ``pages`` holds one string per page when the format has pages (PDF), else one string.
    ``rewrap`` tells the cleaner whether blank lines can sit inside a paragraph (text
    extracted from PDFs) or always separate paragraphs (formats with real paragraphs).
    """

    pages: list[str]
    title: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rewrap: Literal["auto", "always", "never"] = "auto"
    has_pages: bool = False


class Loader(ABC):
    """Reads one file format; raises ``IngestError`` with a specific reason on bad input."""

    suffixes: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def load(self, path: Path, data: bytes) -> LoadedText:
        """Turn the file's bytes (already read and size-checked) into text."""
