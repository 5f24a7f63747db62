"""Split text into sentences with their character offsets (Chinese and English punctuation)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends after Chinese end punctuation (plus closing quotes/brackets), after English
# end punctuation followed by whitespace, or at a blank line / line break.
_SENTENCE = re.compile(
    r"[^。！？!?；;\n]*?(?:[。！？；;]+[”’」』）)]*|[.!?]+[”’\"')\]]*(?=\s|$)|\n+|$)",
    re.S,
)
_MIN_CHARS = 2


@dataclass(frozen=True)
class Sentence:
    """``text`` is ``source[start:end]`` with surrounding whitespace excluded from the span."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order; offsets index into ``text`` itself."""
    sentences: list[Sentence] = []
    pos = 0
    while pos < len(text):
        match = _SENTENCE.match(text, pos)
        end = match.end() if match and match.end() > pos else len(text)
        raw = text[pos:end]
        stripped = raw.strip()
        if len(stripped) >= _MIN_CHARS:
            start = pos + (len(raw) - len(raw.lstrip()))
            sentences.append(Sentence(stripped, start, start + len(stripped)))
        pos = end
    return sentences
