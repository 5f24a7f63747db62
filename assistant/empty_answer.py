"""Does an answer say anything the question did not?

A small model that cannot find the answer often restates the question instead of refusing
("The focus has shifted from basic connectivity to meaningful connectivity [1]."). Such a text
cites a passage and passes every citation check, yet answers nothing: it is treated as the
model's refusal, and the user sees the related passages instead.
"""

from __future__ import annotations

from assistant.answerability import numbers
from assistant.citations import strip_citation_markers
from assistant.english_numbers import english_numbers
from assistant.similarity import char_bigrams, cjk_ratio, words

# English words that frame an answer without adding content.
_FRAMING = frozenset(
    """include includes including included following follows follow various several many main
    mainly key some other also has have had been which whose while both each more most
    above below given stated states state mentioned passage passages""".split()
)


def _stem(word: str) -> str:
    """Crude prefix stem so "adopt"/"adopted" and "country"/"countries" match."""
    return word[:5] if len(word) > 5 else word


def new_content(answer: str, question: str) -> int:
    """How many content items (English words and numbers, or Chinese character bigrams) of
    ``answer`` are absent from ``question``."""
    answer = strip_citation_markers(answer)
    if cjk_ratio(answer) >= 0.3:
        return len(char_bigrams(answer) - char_bigrams(question))
    asked = {_stem(w) for w in words(question)}
    return len({_stem(w) for w in words(answer) if w not in _FRAMING} - asked)


def restates_question(answer: str, question: str, *, min_new_words: int = 2, min_new_bigrams: int = 3) -> bool:
    """True when ``answer`` states no number the question lacks and adds fewer than
    ``min_new_words`` English content words (or ``min_new_bigrams`` Chinese character bigrams)."""
    plain = strip_citation_markers(answer)
    if numbers(plain) - numbers(question) - numbers(english_numbers(question)):
        return False
    threshold = min_new_bigrams if cjk_ratio(plain) >= 0.3 else min_new_words
    return new_content(answer, question) < threshold
