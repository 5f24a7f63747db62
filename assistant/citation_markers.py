"""Citation markers ``[n]`` in answer text: the one pattern, parsing and formatting.

Accepted: ``[1]``, ``[1,2]``, ``[1][2]``, ``[1-3]`` and full-width ``【1】`` / ``［1］``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MARKER = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、;；\-–~]\s*\d{1,3})*)\s*[\]】］]")


def marker_numbers(text: str) -> list[int]:
    """Every number the markers in ``text`` name, in order, without repeats."""
    numbers: list[int] = []
    for match in MARKER.finditer(text):
        for part in re.split(r"\s*[,，、;；]\s*", match.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[\-–~]\s*", part) if x]
            if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 20:
                numbers.extend(range(bounds[0], bounds[1] + 1))
            else:
                numbers.extend(bounds)
    return list(dict.fromkeys(numbers))


def strip_markers(text: str) -> str:
    """``text`` without its markers (and without the space a marker leaves before punctuation)."""
    return re.sub(r"[ \t]+([。，！？；：.,!?;:])", r"\1", MARKER.sub("", text)).strip()


def format_markers(numbers: Iterable[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def with_markers(sentence: str, numbers: Iterable[int]) -> str:
    """``sentence`` with its markers before the end punctuation: "…增长12%[2]。"."""
    marks = format_markers(numbers)
    body = sentence.rstrip("。.!?！？；;，,：: ")
    return f"{body}{marks}{sentence[len(body):].strip()}" if body else f"{sentence}{marks}"
