"""Make a follow-up question standalone; leave a self-contained one exactly as asked."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer_state import AnswerState
from assistant.rewrite import QuestionRewriter, RuleBasedRewriter
from assistant.stage import Stage


class FollowUpResolver(Stage):
    name = "resolve"

    @dataclass(frozen=True)
    class Config:
        pass

    def __init__(self, rewriter: QuestionRewriter | None = None, config: Config | None = None):
        super().__init__(config)
        self.rewriter = rewriter or RuleBasedRewriter()

    def to_dict(self) -> dict:
        return {**super().to_dict(), "rewriter": self.rewriter.config()}

    def run(self, state: AnswerState) -> AnswerState:
        state.standalone = self.rewriter.rewrite(state.question, state.history) if state.history else state.question
        return state
