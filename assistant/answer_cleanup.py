"""Remove prompt scaffolding a small model copies into its answer.

Qwen 1.5B sometimes echoes a passage header ("[2] 全球数字治理白皮书 · 二、…") before the text it
quotes, or copies the placeholder of an instruction ("每句后加[编号]") literally. Neither is part of
the answer, and a header line would otherwise be checked (and shown) as a claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.passage import Passage
from assistant.prompt import format_passage_source

# Placeholders from instructions, never a real citation: [编号], [n], [number], 【编号】.
_PLACEHOLDER = re.compile(r"[\[【［]\s*(?:编号|序号|n|N|number|source)\s*[\]】］]")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([。，；！？.,;!?])")


def clean_answer(text: str, passages: Sequence[Passage]) -> str:
    """``text`` without placeholder markers and without echoed passage headers."""
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _PLACEHOLDER.sub("", text))
    # Longest first: a section path may contain a shorter one.
    sources = {format_passage_source(p) for p in passages} - {""}
    for source in sorted(sources, key=len, reverse=True):
        pattern = r"(?:[\[【［]\s*\d{1,2}\s*[\]】］]\s*)?" + re.escape(source).replace(r"\ ", r"\s*")
        text = re.sub(pattern, "", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()
