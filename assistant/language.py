"""Which language to answer in: the question's (majority of CJK vs Latin letters) unless forced."""

from __future__ import annotations

from typing import Literal

from assistant.answer import Language
from ingest.language import detect_language

LanguageSetting = Literal["auto", "zh", "en"]
_SETTINGS = ("auto", "zh", "en")


def answer_language(question: str, *, forced: LanguageSetting = "auto") -> Language:
    """``forced`` ("zh"/"en") wins; "auto" detects the question's language."""
    if forced not in _SETTINGS:
        raise ValueError(f"language must be one of {_SETTINGS}, got {forced!r}")
    if forced != "auto":
        return forced
    return detect_language(question)
