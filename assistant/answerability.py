"""Cheap answerability checks that need no model.

On-topic questions the reports cannot answer ("the 2025 figure", "when did DEPA ...") retrieve
passages as close as answerable ones, so a retrieval-score threshold cannot reject them. Two
lexical signals can:

* before answering: a *specific* the question names — a year or number, or (in a Chinese
  question) a Latin-script name such as ``DEPA`` — that occurs in none of the passages;
* after answering: an answer sentence stating a number that occurs in none of the passages
  (numbers are the same in both languages once Chinese notation is converted, see
  :mod:`assistant.english_numbers`) — the model made it up.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from dataclasses import dataclass
from typing import Any

from assistant.english_numbers import english_numbers
from assistant.similarity import char_bigrams, cjk_ratio, containment, lexical_overlap
from assistant.sentences import split_sentences

_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
_YEAR = re.compile(r"^(19|20)\d\d$")
# "COVID-19", "G20", "5G": numbers inside names.
_NAME_NUMBER = re.compile(r"[A-Za-z]+-?\d+|\d+[A-Za-z]+")
_LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Za-z][A-Za-z0-9\-]{1,}(?![A-Za-z])")
# "3%", "3 percent", "3个百分点" (the claim's "3%" may render a passage's percentage points).
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|per\s?cent|percentage points?|个?百分点)", re.IGNORECASE)
# Titles and quotations name a document or a term; their years are part of the name.
_TITLE = re.compile(r"《[^》]*》|“[^”]*”|\"[^\"]*\"|'[^']*'")


def numbers(text: str) -> set[str]:
    """Numbers in ``text`` as written (thousands separators removed, trailing ``.0`` dropped)."""
    plain = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return {_canonical(n) for n in _NUMBER.findall(plain)}


def _canonical(number: str) -> str:
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def percentages(text: str) -> set[str]:
    """The numbers ``text`` states as percentages, in either language ("百分之3.5" and "3.5％" too)."""
    plain = english_numbers(unicodedata.normalize("NFKC", text))
    return {_canonical(n) for n in _PERCENT.findall(plain)}


def passage_numbers(texts: Iterable[str]) -> set[str]:
    """Numbers of the passages in both notations ("90.3万" gives 90.3 and 903000)."""
    found: set[str] = set()
    for text in texts:
        found |= numbers(text) | numbers(english_numbers(text))
    return found


def question_specifics(question: str) -> list[str]:
    """What the question pins down and a passage must mention to answer it: its numbers (years,
    amounts) and, in a Chinese question, its Latin-script names. Text inside titles and quotes
    is left out."""
    body = _NAME_NUMBER.sub(" ", _TITLE.sub(" ", question))
    specifics = sorted(numbers(body), key=body.find)
    if cjk_ratio(question) >= 0.5:
        specifics += [w for w in dict.fromkeys(_LATIN_NAME.findall(body)) if len(w) >= 2]
    return specifics


def missing_specifics(question: str, passages: Iterable[str], *, headers: Iterable[str] = ()) -> list[str]:
    """The specifics of ``question`` that occur in none of ``passages`` nor their ``headers``
    (title and section: "the 2020 white paper" names the report, not a passage fact)."""
    texts = list(passages) + list(headers)
    nums = passage_numbers(texts)
    joined = " ".join(texts).lower()
    missing = []
    for item in question_specifics(question):
        if item[0].isdigit():
            if item not in nums:
                missing.append(item)
        elif item.lower() not in joined:
            missing.append(item)
    return missing


def unfounded_numbers(claim: str, passages: Iterable[str], *, question: str = "") -> set[str]:
    """Numbers of ``claim`` found neither in the passages nor in the question. Single digits are
    ignored (counts and ordinals are often written as words in one language, digits in the
    other), except in percentages: a percentage must be one in a passage too, so a rank ("第3位")
    cannot come back as a share ("3%")."""
    texts = list(passages)
    stated = {n for n in numbers(claim) if len(n.replace(".", "")) > 1}
    unfounded = stated - passage_numbers(texts) - numbers(question)
    shares = percentages(claim) - numbers(question)
    if shares:
        unfounded |= shares - {n for t in texts for n in percentages(t)}
    return unfounded


def figure_context(claim: str, passages: Iterable[str], *, question: str = "", min_bigrams: int = 4) -> dict[str, float]:
    """For each figure a Chinese ``claim`` states (not in ``question``), the best share of the
    claim's character bigrams found in a passage sentence holding that figure. Claims with fewer
    than ``min_bigrams`` bigrams (a bare "155[1]") say too little to judge, and years are left
    out (a year dates the claim, and its sentence is often another one): both give ``{}``."""
    grams = char_bigrams(claim)
    if cjk_ratio(claim) < 0.5 or len(grams) < min_bigrams:
        return {}
    stated = {n for n in numbers(claim) if len(n.replace(".", "")) > 1 and not _YEAR.match(n)} - numbers(question)
    sentences = [s.text for t in passages for s in split_sentences(t)]
    scores = {}
    for number in stated:
        holders = [s for s in sentences if number in passage_numbers([s])]
        if holders:
            scores[number] = max(containment(grams, char_bigrams(s)) for s in holders)
    return scores


def misplaced_numbers(
    claim: str, passages: Iterable[str], *, question: str = "", min_overlap: float = 0.45, min_bigrams: int = 4
) -> set[str]:
    """Numbers of a Chinese ``claim`` that the passages state only about something else: every
    sentence holding the number shares less than ``min_overlap`` of the claim's bigrams
    ("2020年全球数字经济规模为8260亿美元" when 8260亿美元 is the 2019 e-commerce market); see
    :func:`figure_context`."""
    scores = figure_context(claim, passages, question=question, min_bigrams=min_bigrams)
    return {number for number, score in scores.items() if score < min_overlap}


def best_sentence_overlap(question: str, passages: Iterable[str]) -> float:
    """The largest share of ``question``'s content (see :func:`lexical_overlap`) that one passage
    sentence contains."""
    return max((lexical_overlap(question, s.text) for t in passages for s in split_sentences(t)), default=0.0)


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str = ""


class AnswerabilityCheck:
    """Decides, before any generation, that the passages cannot answer the question.

    Args:
        min_overlap: for a Chinese question over Chinese passages, the share of its content (character
            bigrams, words, numbers) that the best-matching passage sentence must contain.
            0.3 keeps every answerable Chinese dev question (lowest 0.33) and rejects the
            unanswerable ones whose topic the passages only brush (0.25).
        check_years_in_english: English questions often name the report's year ("the 2020
            report"), which Chinese passages write differently; by default only their non-year
            numbers must occur.
    """

    def __init__(self, *, min_overlap: float = 0.3, check_years_in_english: bool = False):
        if not 0 <= min_overlap <= 1:
            raise ValueError(f"min_overlap must be in [0, 1], got {min_overlap}")
        self.min_overlap = min_overlap
        self.check_years_in_english = check_years_in_english

    def config(self) -> dict[str, Any]:
        return {"min_overlap": self.min_overlap, "check_years_in_english": self.check_years_in_english}

    def check(self, question: str, passages: Iterable[str], *, headers: Iterable[str] = ()) -> Verdict:
        """``headers``: the passages' titles and sections, shown to the model with them; they
        count for the specifics a question names (a report's edition year), not for overlap."""
        texts = [t for t in passages if t.strip()]
        if not texts:
            return Verdict(False, "no passages")
        chinese_question = cjk_ratio(question) >= 0.5
        missing = missing_specifics(question, texts, headers=headers)
        if not chinese_question and not self.check_years_in_english:
            missing = [m for m in missing if not _YEAR.match(m)]
        if missing:
            return Verdict(False, "not in the passages: " + ", ".join(missing))
        # Only calibrated for Chinese questions over Chinese passages (an English question over
        # Chinese text shares little beyond numbers and names).
        if chinese_question and cjk_ratio("".join(texts)) >= 0.3:
            best = best_sentence_overlap(question, texts)
            if best < self.min_overlap:
                return Verdict(False, f"best sentence overlap {best:.2f} < {self.min_overlap}")
        return Verdict(True)
