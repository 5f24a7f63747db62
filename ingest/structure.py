"""Headings, section paths and the document title."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SECTION_SEPARATOR = " > "
STANDALONE_RANK = 0  # see ingest.heading_detector


@dataclass(frozen=True)
class Heading:
    """A heading line of the cleaned text: ``text == cleaned[start:end]``; a lower ``rank``
    is a higher level (chapter 1, “一、” 2, “（一）” 3, “1.” 4, “1.1” 5, Markdown ``#`` n);
    rank 0 is front or back matter (“前言”, “参考文献”) that stands alone."""

    start: int
    end: int
    rank: int
    text: str


@dataclass(frozen=True)
class Section:
    """A run of body text ``[start, end)`` under one section path (``""`` before any heading)."""

    start: int
    end: int
    path: str


def _display(heading: Heading) -> str:
    return heading.text.lstrip("#").strip()


def build_sections(text: str, headings: Sequence[Heading]) -> list[Section]:
    """Split ``text`` into the bodies between headings, each with its section path.

    The path is a stack: a heading closes every open heading of the same or a deeper rank,
    so “二、…” after “（三）…” gives ``二、…`` and not ``一、… > （三）… > 二、…``.
    """
    ordered = sorted(headings, key=lambda h: h.start)
    sections: list[Section] = []
    stack: list[Heading] = []
    cursor = 0
    for heading in ordered:
        if heading.start < cursor:
            raise ValueError(f"overlapping headings at offset {heading.start}")
        _append(sections, text, cursor, heading.start, stack)
        if heading.rank == STANDALONE_RANK:
            stack.clear()
        while stack and (stack[-1].rank >= heading.rank or stack[-1].rank == STANDALONE_RANK):
            stack.pop()
        stack.append(heading)
        cursor = heading.end
    _append(sections, text, cursor, len(text), stack)
    return sections


def _append(sections: list[Section], text: str, start: int, end: int, stack: list[Heading]) -> None:
    # Trim blank space so a section body starts and ends on text.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        path = SECTION_SEPARATOR.join(_display(h) for h in stack)
        sections.append(Section(start, end, path))


_TITLE_NOISE = re.compile(r"[*＊†‡]+$")
# Front-matter labels open many reports but are no title.
_GENERIC = re.compile(r"^(?:前言|序言|目录|摘要|引言|FOREWORD|PREFACE|CONTENTS|ABSTRACT)$", re.IGNORECASE)


def detect_title(text: str, headings: Sequence[Heading], *, fallback: str, max_chars: int = 80) -> str:
    """The first short line of the document (reports open with their title), else the first
    heading, else ``fallback`` (the file stem). A sidecar title is applied by the caller."""
    for line in text.splitlines()[:10]:
        line = _TITLE_NOISE.sub("", line.strip().lstrip("#").strip())
        if not line or _GENERIC.match(line):
            continue
        if 2 <= len(line) <= max_chars and not re.search(r"[。；;，,]$", line):
            return line
        break
    if headings:
        return _display(headings[0])
    return fallback
