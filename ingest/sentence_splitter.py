"""Sentence boundaries for Chinese and English text, as character spans."""

from __future__ import annotations

import re

from ingest.footnote_marks import FOOTNOTE_MARKS

_CLOSERS = "\"'”’」』）)】》\\]"
# A boundary follows: Chinese stops (。！？；), English ! ?, an ellipsis, or a full stop that
# is followed by a space/line end (so “3.5” and “www.x.cn” are not boundaries); closing
# quotes/brackets and footnote marks stay with their sentence. Paragraph breaks end sentences too.
_BOUNDARY = re.compile(
    rf"(?:[。！？；!?]+|…+|\.{{3}}|\.(?=[\s{_CLOSERS}]|$))[{_CLOSERS}]*[{FOOTNOTE_MARKS}]*|\n+"
)
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "fig",
    "figs", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "al", "approx", "dept", "est", "vol", "pp", "p",
}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# Only this many characters before a full stop are searched for its word: the longest
# abbreviation is 6 (“approx”), and a search from the start of the text for every full stop
# made splitting quadratic (1 MB of English took over 200 s).
_LOOKBACK = 24
_WORD_CHAR = re.compile(r"[A-Za-z.]")
_CLAUSE = re.compile(r"[，,、：:]+")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` ends an abbreviation (“U.S.”, “e.g.”, “Dr.”)."""
    window = max(0, dot - _LOOKBACK)
    match = _WORD_BEFORE.search(text, window, dot)
    if not match:
        return False
    word = match.group(1)
    if "." in word:  # U.S, e.g, i.e
        return True
    if match.start() == window and window and _WORD_CHAR.match(text[window - 1]):
        return False  # the word goes on before the window: longer than any abbreviation
    return len(word) == 1 and word.isupper() or word.lower() in _ABBREVIATIONS


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the sentences of ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        token = match.group()
        if token.startswith(".") and not token.startswith("...") and _is_abbreviation(text, match.start()):
            continue
        _add(spans, text, cursor, match.end())
        cursor = match.end()
    _add(spans, text, cursor, end)
    return spans


def split_clauses(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence into pieces of at most ``max_chars``: after clause marks
    (，,、：) where possible, else at a space, else anywhere."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    while end - cursor > max_chars:
        window_end = cursor + max_chars
        cut = None
        for match in _CLAUSE.finditer(text, cursor, window_end):
            if match.end() > cursor:
                cut = match.end()
        if cut is None or cut - cursor < max_chars // 4:
            space = text.rfind(" ", cursor + max_chars // 2, window_end)
            cut = space + 1 if space > cursor else window_end
        _add(pieces, text, cursor, cut)
        cursor = cut
    _add(pieces, text, cursor, end)
    return pieces


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
