"""Cheap lexical similarity for Chinese and English text (no model needed)."""

from __future__ import annotations

import re
from functools import lru_cache

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-']+|\d+(?:[.,]\d+)*%?")
_EN_STOPWORDS = frozenset(
    """a an the of to in on for and or but is are was were be been being by with as at from that
    this these those it its their they them what which who whom whose when where why how does do
    did can could should would will shall may might about into than then there here such not no
    yes any all some according report reports say says said mention mentioned""".split()
)
# Question words and particles that carry no topic in Chinese questions.
_ZH_FILLER = re.compile(r"什么|哪些|哪个|哪里|哪|如何|怎样|怎么|多少|几个|是否|为什么|吗|呢|么|请问|根据|报告|文章")
_BOOK_TITLE = re.compile(r"《[^》]*》")


def without_book_titles(question: str) -> str:
    """``question`` without the titles it names (《…》): they say which report to look in, not
    what the answer says, and a sentence repeating a title (a source note, a running header) is
    no answer. The question itself when it is nothing but a title."""
    rest = _BOOK_TITLE.sub(" ", question)
    return rest if len(CJK.findall(rest)) >= 2 or _WORD.search(rest) else question




# Every question compares itself with the same few hundred evidence texts of the library; their
# bigrams and words are remembered (by the text itself, so a changed library cannot go stale).
# Over 120 chunks and 12 questions: see benchmarks/README.md "Load".
TEXT_FEATURES_CACHE = 8192


@lru_cache(maxsize=TEXT_FEATURES_CACHE)
def char_bigrams(text: str) -> frozenset[str]:
    """Character bigrams inside each CJK run (bigrams never span punctuation)."""
    grams: set[str] = set()
    for run in _CJK_RUN.findall(_ZH_FILLER.sub(" ", text)):
        if len(run) == 1:
            grams.add(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(grams)


@lru_cache(maxsize=TEXT_FEATURES_CACHE)
def words(text: str) -> frozenset[str]:
    """Lower-cased English words and numbers, without stop words."""
    return frozenset(w.lower() for w in _WORD.findall(text) if w.lower() not in _EN_STOPWORDS)


def containment(claim: set[str], source: set[str]) -> float:
    """Share of ``claim`` items also found in ``source`` (0 when the claim is empty)."""
    return len(claim & source) / len(claim) if claim else 0.0


def lexical_overlap(query: str, text: str) -> float:
    """How much of ``query`` (CJK bigrams plus words and numbers) appears in ``text``, in [0, 1]."""
    q_grams, q_words = char_bigrams(query), words(query)
    total = len(q_grams) + len(q_words)
    if not total:
        return 0.0
    hits = len(q_grams & char_bigrams(text)) + len(q_words & words(text))
    return hits / total

