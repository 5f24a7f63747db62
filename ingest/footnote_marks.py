"""Footnote marks as the cleaner leaves them in running text: superscript digits and circled
numbers (“风险³；”, “大萧条以来最严重的经济衰退。¹³”)."""

from __future__ import annotations

import re

FOOTNOTE_MARKS = "⁰¹²³⁴⁵⁶⁷⁸⁹" + "".join(chr(c) for c in range(ord("①"), ord("⑳") + 1))
_MARK_RUN = re.compile(f"[{FOOTNOTE_MARKS}]+")


def strip_footnote_marks(text: str) -> str:
    """``text`` without its footnote marks: a reader (or a model asked to translate) needs the
    sentence, not the pointer to a note that is not shown."""
    return _MARK_RUN.sub("", text)
