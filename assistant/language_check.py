"""Does an English answer still contain untranslated Chinese?

A run of CJK characters is allowed only inside brackets or quotes — where an answer keeps the
original name of a law or report, or quotes a source verbatim. Anything else is a violation.
Reused by the evals to measure English answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]*"
                      r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
                      r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]*")
# Opening -> the closers accepted for it (PDF text mixes full- and half-width brackets).
_PAIRS = {
    "(": ")）", "（": "）)", "[": "]】", "【": "】]", "《": "》", "〈": "〉", "「": "」", "『": "』",
    "“": "”", "‘": "’", '"': '"',
}


def _protected_mask(text: str) -> list[bool]:
    """True for every character enclosed by a *closed* bracket or quote pair: an opener that is
    never closed protects nothing, so it cannot hide the rest of the answer. A closer matching an
    outer opener also closes the unclosed openers inside it."""
    mask = [False] * len(text)
    stack: list[tuple[str, int]] = []  # (accepted closers, position of the opener)
    for i, ch in enumerate(text):
        depth = next((d for d in range(len(stack) - 1, -1, -1) if ch in stack[d][0]), None)
        if depth is not None:
            start = stack[depth][1]
            del stack[depth:]
            mask[start : i + 1] = [True] * (i + 1 - start)
        elif ch in _PAIRS:
            stack.append((_PAIRS[ch], i))
    return mask


def untranslated_fragments(text: str) -> list[str]:
    """The CJK runs of ``text`` that stand outside brackets and quotes."""
    mask = _protected_mask(text)
    fragments = []
    for match in _CJK_RUN.finditer(text):
        if not all(mask[match.start() : match.end()]):
            fragments.append(match.group())
    return fragments


def replace_untranslated(text: str, replacement: Callable[[str], str]) -> str:
    """``text`` with every untranslated CJK run replaced by ``replacement(run)``."""
    mask = _protected_mask(text)
    out, pos = [], 0
    for match in _CJK_RUN.finditer(text):
        if not all(mask[match.start() : match.end()]):
            out.append(text[pos : match.start()])
            out.append(replacement(match.group()))
            pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def has_untranslated_chinese(text: str) -> bool:
    return bool(untranslated_fragments(text))
