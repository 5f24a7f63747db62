"""Give a terse Chinese answer its context: the source sentence it was taken from.

Asked for a figure, the small model often answers with the bare number ("10[1]", "1800[2]"),
dropping the unit and the rest of what was asked ("1800万家企业、3亿用户"). Quoting the cited
passage's sentence that holds the answer's numbers (or that the citation check found to support
it) restores unit and context without another model call. English answers are left alone (their
sources are Chinese, and a Chinese quotation does not help an English reader).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer import Citation, Language
from assistant.passage import Passage
from assistant.sentences import split_sentences

_MARKER = re.compile(r"[\[【［]\s*\d[\d\s,，、\-–~]*[\]】］]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUOTE_LABEL = "原文："


def is_terse(answer: str, *, max_chars: int = 15) -> bool:
    """At most ``max_chars`` characters once citation markers and punctuation are removed."""
    plain = re.sub(r"[\s。，、；：.,;:!?！？]", "", _MARKER.sub("", answer))
    return 0 < len(plain) <= max_chars


def source_sentence(answer: str, passages: Sequence[Passage], citations: Sequence[Citation]) -> tuple[int, str] | None:
    """``(n, sentence)``: the first sentence holding every number of the answer, searching the
    cited passages first (the model sometimes cites the wrong one), else the sentence a
    supported citation points at."""
    numbers = set(_NUMBER.findall(_MARKER.sub("", answer)))
    cited = [c.n for c in citations]
    order = sorted(passages, key=lambda p: (p.n not in cited, cited.index(p.n) if p.n in cited else p.n))
    if numbers:
        for passage in order:
            for s in split_sentences(passage.text):
                if numbers <= set(_NUMBER.findall(s.text)):
                    return passage.n, s.text
    supported = next((c for c in citations if c.supported and c.text.strip()), None)
    return (supported.n, supported.text) if supported else None


def with_supporting_quote(
    answer: str,
    passages: Sequence[Passage],
    citations: Sequence[Citation],
    language: Language,
    *,
    max_chars: int = 15,
) -> str:
    """``answer`` followed by its source sentence when the answer is Chinese and terse;
    otherwise ``answer`` unchanged."""
    if language != "zh" or not is_terse(answer, max_chars=max_chars):
        return answer
    found = source_sentence(answer, passages, citations)
    if found is None:
        return answer
    n, sentence = found
    sentence = sentence.strip().rstrip("。；;，,")
    return f"{answer.rstrip()}（{_QUOTE_LABEL}“{sentence}”[{n}]）"
