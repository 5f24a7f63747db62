"""Words for BM25 from Chinese, English or mixed text."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from typing import Any

from bm25s.stopwords import STOPWORDS_EN

# Function words that carry no topic: every report is full of them.
STOPWORDS_ZH = frozenset(
    "的 了 和 与 及 或 是 在 对 为 以 于 将 把 被 由 从 等 也 而 并 其 之 这 那 该 此 有 个 中 上 下 "
    "我们 你们 他们 它们 一个 一些 以及 通过 进行 可以 已经 没有 什么 如何 哪些 哪个 怎样 为什么 多少 吗 呢 吧".split()
)
# bm25s's list is Lucene's 33 words; questions add their own function words.
STOPWORDS_EN_QUESTIONS = frozenset(
    "its what which who whom whose when where why how does do did has have had been being were "
    "can could should would may might must shall about from than so too very also according".split()
)
STOPWORDS = frozenset(STOPWORDS_EN) | STOPWORDS_EN_QUESTIONS | STOPWORDS_ZH

# A token is kept only if it has a letter or digit (drops punctuation and spaces jieba emits).
_WORDLIKE = re.compile(r"\w", re.UNICODE)


class MixedLanguageTokenizer:
    """jieba word segmentation for Chinese, lower-cased words for English, in one pass.

    jieba already splits Latin runs into words, so mixed text ("AI 赋能数字经济") needs no
    language switch: the text is NFKC-normalised (full-width letters and digits become ASCII),
    lower-cased, cut in jieba's search mode (long words also yield their parts, so "数字经济"
    matches "数字"), and stripped of punctuation and stopwords. Numbers are kept: years and
    amounts are often what a question is about.
    """

    def __init__(self, *, stopwords: frozenset[str] | None = None, min_latin_length: int = 2):
        if not isinstance(min_latin_length, int) or min_latin_length < 1:
            raise ValueError(f"min_latin_length must be a positive integer, got {min_latin_length!r}")
        self.stopwords = STOPWORDS if stopwords is None else frozenset(stopwords)
        self.min_latin_length = min_latin_length

    def __call__(self, text: str) -> list[str]:
        return self.tokenize(text)

    def tokenize(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        normalised = unicodedata.normalize("NFKC", text).lower()
        tokens = []
        for token in self._segmenter().lcut_for_search(normalised):
            token = token.strip()
            if not token or not _WORDLIKE.search(token) or token in self.stopwords:
                continue
            if token.isascii() and token.isalpha() and len(token) < self.min_latin_length:
                continue  # stray letters ("s" of "it's") match everything and mean nothing
            tokens.append(token)
        return tokens

    def tokenize_many(self, texts: list[str]) -> list[list[str]]:
        return [self.tokenize(t) for t in texts]

    def config(self) -> dict[str, Any]:
        stopwords = hashlib.sha256("\n".join(sorted(self.stopwords)).encode()).hexdigest()[:16]
        return {"class": type(self).__name__, "segmenter": "jieba.lcut_for_search",
                "min_latin_length": self.min_latin_length, "stopwords_sha256": stopwords}

    def _segmenter(self) -> Any:
        return _shared_segmenter()


_SEGMENTER: Any = None
_SEGMENTER_LOCK = threading.Lock()


def _shared_segmenter() -> Any:
    """One jieba dictionary per process: loading it takes ~0.7 s and 50 MB."""
    global _SEGMENTER
    if _SEGMENTER is None:
        with _SEGMENTER_LOCK:
            if _SEGMENTER is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # it prints its dictionary loading otherwise
                segmenter = jieba.Tokenizer()
                segmenter.initialize()
                _SEGMENTER = segmenter
    return _SEGMENTER
