"""Fit the retrieved passages into the model's context window, leaving room for the answer.

Each passage is trimmed to a window of whole sentences around its best-matching sentence (not
just its head), then the lowest-ranked passages are dropped until the prompt fits. Optionally,
results trailing the best one by more than ``max_score_gap`` (dense cosine) are left out first:
fewer distractors, though on the dev set that did not raise the local model's key facts (see
benchmarks/README.md), so it is off by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.passage import Passage
from assistant.sentences import split_sentences
from assistant.similarity import CJK, lexical_overlap
from index.search_result import SearchResult


def estimate_tokens(text: str) -> int:
    """A deliberately high estimate for Qwen-style tokenizers: ~1 token per 1.25 CJK characters,
    ~1 per 3.5 other characters."""
    cjk = len(CJK.findall(text))
    return int(cjk * 0.8 + (len(text) - cjk) / 3.5) + 1


class ContextBudget:
    """Chooses and trims passages for one prompt.

    Args:
        passages: how many of the top results to show the model.
        passage_chars: the most characters kept per passage.
        context_window: the model's window, in tokens.
        max_answer_tokens: tokens kept free for the answer.
        prompt_overhead_tokens: instructions, passage headers and chat-template tokens.
        max_score_gap: leave out results whose dense score is more than this below the best
            result's (``None``: keep the top ``passages`` whatever their scores).
    """

    def __init__(
        self,
        *,
        passages: int = 5,
        passage_chars: int = 300,
        context_window: int = 4096,
        max_answer_tokens: int = 256,
        prompt_overhead_tokens: int = 220,
        max_score_gap: float | None = None,
    ):
        if passages < 1:
            raise ValueError(f"passages must be at least 1, got {passages}")
        if passage_chars < 20:
            raise ValueError(f"passage_chars must be at least 20, got {passage_chars}")
        if max_answer_tokens < 1:
            raise ValueError(f"max_answer_tokens must be positive, got {max_answer_tokens}")
        if context_window <= max_answer_tokens + prompt_overhead_tokens:
            raise ValueError(
                f"context_window ({context_window}) leaves no room for passages after "
                f"max_answer_tokens ({max_answer_tokens}) and the prompt ({prompt_overhead_tokens})"
            )
        if max_score_gap is not None and not 0 <= max_score_gap <= 2:
            raise ValueError(f"max_score_gap must be in [0, 2] (a cosine difference) or None, got {max_score_gap}")
        self.passages = passages
        self.passage_chars = passage_chars
        self.context_window = context_window
        self.max_answer_tokens = max_answer_tokens
        self.prompt_overhead_tokens = prompt_overhead_tokens
        self.max_score_gap = max_score_gap

    def config(self) -> dict[str, Any]:
        return {
            "passages": self.passages,
            "passage_chars": self.passage_chars,
            "context_window": self.context_window,
            "max_answer_tokens": self.max_answer_tokens,
            "prompt_overhead_tokens": self.prompt_overhead_tokens,
            "max_score_gap": self.max_score_gap,
        }

    def passage_token_budget(self, question: str) -> int:
        return (
            self.context_window
            - self.max_answer_tokens
            - self.prompt_overhead_tokens
            - estimate_tokens(question)
        )

    def select(self, question: str, results: Sequence[SearchResult]) -> list[Passage]:
        """The passages ``[1]..[k]`` for ``question``, best first, within the token budget."""
        chosen = [
            self.trim(question, result, n=n)
            for n, result in enumerate(self.close_to_best(results[: self.passages]), start=1)
        ]
        budget = self.passage_token_budget(question)
        while len(chosen) > 1 and sum(estimate_tokens(p.text) for p in chosen) > budget:
            chosen.pop()
        if chosen and estimate_tokens(chosen[0].text) > budget:
            # A single passage longer than the whole budget: keep its best part only.
            chars = max(20, int(len(chosen[0].text) * budget / estimate_tokens(chosen[0].text)))
            chosen[0] = self.trim(question, chosen[0].result, n=1, limit=chars)
        return chosen

    def close_to_best(self, results: Sequence[SearchResult]) -> list[SearchResult]:
        """``results`` without those trailing the first by more than ``max_score_gap`` (a result
        without a dense score is kept)."""
        if self.max_score_gap is None or not results or "dense" not in results[0].scores:
            return list(results)
        floor = results[0].scores["dense"] - self.max_score_gap
        return [r for r in results if r.scores.get("dense", floor) >= floor]

    def trim(self, question: str, result: SearchResult, *, n: int, limit: int | None = None) -> Passage:
        """The window of whole sentences, at most ``limit`` characters, grown from the sentence
        that best matches ``question`` towards whichever neighbour matches better."""
        limit = limit or self.passage_chars
        chunk = result.chunk
        text = chunk.text
        if len(text) <= limit:
            return Passage.whole(n, result)
        sentences = split_sentences(text)
        if not sentences:
            return self._window(n, result, 0, limit)
        scores = [lexical_overlap(question, s.text) for s in sentences]
        best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
        lo = hi = best
        if sentences[best].end - sentences[best].start > limit:
            return self._window(n, result, sentences[best].start, sentences[best].start + limit)
        while True:
            options = []
            if lo > 0 and sentences[hi].end - sentences[lo - 1].start <= limit:
                options.append((scores[lo - 1], 0, lo - 1, hi))
            if hi + 1 < len(sentences) and sentences[hi + 1].end - sentences[lo].start <= limit:
                # Prefer reading on (after) over reading back when scores tie.
                options.append((scores[hi + 1], 1, lo, hi + 1))
            if not options:
                break
            _, _, lo, hi = max(options)
        return self._window(n, result, sentences[lo].start, sentences[hi].end)

    @staticmethod
    def _window(n: int, result: SearchResult, start: int, end: int) -> Passage:
        chunk = result.chunk
        return Passage(
            n=n,
            result=result,
            text=chunk.text[start:end],
            start=chunk.start + start,
            end=chunk.start + end,
        )
