"""Scoring an answer against RGB's accepted answers.

As in the benchmark's ``checkanswer``: every top-level entry of ``answer`` must occur in the
prediction; an entry that is itself a list holds alternatives, one of which must occur. Both
sides are normalised first (``normalize_answer``: NFKC, case, spaces, ``億``/``亿``, number
words, thousands separators), where the benchmark only lower-cases and drops spaces.
"""

from __future__ import annotations

from evals.metrics.normalize import normalize_answer
from evals.rgb.rgb_dataset import AnswerSpec


def _found(needle: str, haystack_n: str) -> bool:
    needle_n = normalize_answer(needle).replace(" ", "")
    return bool(needle_n) and needle_n in haystack_n


def answer_labels(prediction: str, answer: AnswerSpec) -> list[bool]:
    """One flag per top-level accepted-answer entry: does the prediction contain it?"""
    haystack = normalize_answer(prediction).replace(" ", "")
    return [
        any(_found(alt, haystack) for alt in entry) if isinstance(entry, list) else _found(entry, haystack)
        for entry in answer
    ]


def is_correct(prediction: str, answer: AnswerSpec, *, refused: bool = False) -> bool:
    """Correct when not refused and every accepted-answer entry is in the prediction."""
    labels = answer_labels(prediction, answer)
    return not refused and bool(labels) and all(labels)
