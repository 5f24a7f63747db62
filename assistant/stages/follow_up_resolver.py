"""Make a follow-up question standalone; leave a self-contained one exactly as asked.

A question asked with history is first tested cheaply for dependence (pronouns, definite
references, ellipsis). A dependent one is rewritten by the rewriter and carries the previous
turn's question, resolved, as ``state.context``: retrieval uses its documents as a prior.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer_state import AnswerState
from assistant.rewrite import QuestionRewriter, RuleBasedRewriter
from assistant.stage import Stage


class FollowUpResolver(Stage):
    name = "resolve"

    @dataclass(frozen=True)
    class Config:
        # How the rule rewriter names what a follow-up refers to (RuleBasedRewriter.STRATEGIES),
        # by the follow-up's language. Dev follow-ups (benchmarks/follow_up_benchmark.py, 24 zh +
        # 24 en): zh key facts 0.72 with the previous topic -> 0.83 with its names only (a long
        # topic pulls the query to the previous answer); en 0.48 -> 0.41, refusals 1 -> 7 (an
        # English question needs the topic's words to reach Chinese text across languages).
        strategy_zh: str = "anchors"
        strategy_en: str = "topic"
        # A question this short has no subject of its own.
        short_zh_chars: int = 10
        short_en_words: int = 3
        # Which questions asked with history get the previous turn as retrieval context:
        # "dependent" ones, or "any".
        context_for: str = "dependent"

    def __init__(self, rewriter: QuestionRewriter | None = None, config: Config | None = None):
        super().__init__(config)
        cfg = self.config
        if cfg.context_for not in ("dependent", "any"):
            raise ValueError(f"context_for must be 'dependent' or 'any', got {cfg.context_for!r}")
        self.rules = RuleBasedRewriter(short_zh_chars=cfg.short_zh_chars, short_en_words=cfg.short_en_words,
                                       strategy_zh=cfg.strategy_zh, strategy_en=cfg.strategy_en)
        self.rewriter = rewriter or self.rules

    def to_dict(self) -> dict:
        return {**super().to_dict(), "rewriter": self.rewriter.config()}

    def run(self, state: AnswerState) -> AnswerState:
        if not state.history:
            state.standalone = state.question
            return state
        dependent = self.rules.is_follow_up(state.question)
        # A self-contained question is left exactly as asked (no model call either).
        state.standalone = self.rewriter.rewrite(state.question, state.history) if dependent else state.question
        if dependent or self.config.context_for == "any":
            state.context = self.rules.resolve_previous(state.history)
        return state
