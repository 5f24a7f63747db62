"""Tell Chinese from English text."""

from __future__ import annotations

import re

_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_ACRONYM = re.compile(r"^[A-Z]{1,6}s?$")
_FIRST_LETTER = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A Chinese word is about two characters, so two CJK characters weigh as one English word.
CJK_CHARS_PER_WORD = 2.0
# Acronyms (“RCEP”, “AI”, “G20”) are names used inside Chinese sentences as much as English
# ones, so they weigh half a word.
ACRONYM_WEIGHT = 0.5


def detect_language(text: str, *, default: str = "zh") -> str:
    """``"zh"`` or ``"en"``: the majority of Chinese words (CJK characters / 2) against
    English words (acronyms count half). A tie goes to the script the text starts with;
    text with neither gives ``default``.

    “RCEP 的主要内容是什么” -> zh; “What does the 数字丝绸之路 mean?” -> en.
    """
    if default not in ("zh", "en"):
        raise ValueError(f"default must be 'zh' or 'en', got {default!r}")
    chinese = len(_CJK_CHAR.findall(text)) / CJK_CHARS_PER_WORD
    english = sum(ACRONYM_WEIGHT if _ACRONYM.match(word) else 1.0 for word in _LATIN_WORD.findall(text))
    if chinese > english:
        return "zh"
    if english > chinese:
        return "en"
    first = _FIRST_LETTER.search(text)
    if first is None:
        return default
    return "en" if first.group().isascii() else "zh"


def cjk_ratio(text: str) -> float:
    """Share of CJK characters among the CJK characters and Latin letters of ``text``."""
    cjk = len(_CJK_CHAR.findall(text))
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    return cjk / (cjk + latin) if cjk + latin else 0.0


def has_chinese(text: str) -> bool:
    """Whether ``text`` contains a Chinese sentence-like run (three or more CJK characters)."""
    return bool(_CJK_RUN3.search(text))


_CJK_RUN3 = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{3,}")
