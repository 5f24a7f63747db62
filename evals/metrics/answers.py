"""Answer metrics: key-fact recall, token F1, ROUGE-L and language match.

Tokens are Chinese characters one by one and Latin words/numbers whole, so the same functions
are character-level on Chinese and word-level on English. (``rouge-score``'s default tokenizer
keeps only ``[a-z0-9]`` and silently scores any Chinese answer 0; this one does not.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from evals.metrics.normalize import contains_normalized, normalize_answer

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN = re.compile(rf"[{_CJK}]|[a-z0-9]+(?:\.[0-9]+)?%?|%")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Spans exempt from the language check: quoted or bracketed titles, names and glosses, which keep
# their own script. Only short ones: an English answer made of long Chinese quotations is not
# written in English for its reader.
MAX_EXEMPT_CHARS = 40
_QUOTED = re.compile(
    rf"《[^》]{{0,{MAX_EXEMPT_CHARS}}}》|「[^」]{{0,{MAX_EXEMPT_CHARS}}}」|『[^』]{{0,{MAX_EXEMPT_CHARS}}}』"
    rf"|“[^”“]{{0,{MAX_EXEMPT_CHARS}}}”|\"[^\"]{{0,{MAX_EXEMPT_CHARS}}}\"|\([^)]{{0,{MAX_EXEMPT_CHARS}}}\)"
    rf"|（[^）]{{0,{MAX_EXEMPT_CHARS}}}）"
)


def tokenize(text: str) -> list[str]:
    """Normalised tokens: each CJK character, each Latin word or number."""
    return _TOKEN.findall(normalize_answer(text))


def key_fact_recall(answer: str, key_facts: Sequence[str]) -> float:
    """Share of ``key_facts`` found in ``answer`` after normalisation (see ``normalize``)."""
    if not key_facts:
        raise ValueError("key_fact_recall needs at least one key fact")
    return sum(contains_normalized(answer, fact) for fact in key_facts) / len(key_facts)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style bag-of-tokens F1 (characters for Chinese, words for English)."""
    pred, ref = tokenize(prediction), tokenize(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 on the tokens above (longest common subsequence)."""
    pred, ref = tokenize(prediction), tokenize(reference)
    if not pred or not ref:
        return float(pred == ref)
    lcs = _lcs_length(pred, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def script_share_zh(text: str) -> float | None:
    """Share of Chinese in ``text``: CJK characters / (CJK characters + Latin words).

    A Latin word counts once, like one Chinese character, since both carry roughly one
    meaning unit. Short quoted or bracketed spans (titles, names) are left out; long quotations
    count. ``None`` when nothing is left.
    """
    text = _QUOTED.sub(" ", text)
    cjk = len(_CJK_CHAR.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    return None if cjk + latin == 0 else cjk / (cjk + latin)


def language_match(answer: str, language: str) -> float:
    """1.0 when ``answer`` is written in ``language`` (``"zh"`` or ``"en"``) by script share."""
    if language not in ("zh", "en"):
        raise ValueError(f"language must be 'zh' or 'en', got {language!r}")
    share = script_share_zh(answer)
    if share is None:
        return 0.0
    return float(share >= 0.5) if language == "zh" else float(share < 0.5)
