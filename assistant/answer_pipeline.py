"""A named list of stages run in order, each timed; a refusal ends the run early."""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from typing import Any

from assistant.answer_state import AnswerState
from assistant.stage import Stage


class AnswerPipeline:
    def __init__(self, stages: Sequence[Stage]):
        if not stages:
            raise ValueError("a pipeline needs at least one stage")
        names = [s.name for s in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        self.stages = list(stages)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def to_dict(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.stages]

    def run(self, state: AnswerState) -> AnswerState:
        for _ in self.stream(state):
            pass
        return state

    def stream(self, state: AnswerState) -> Generator[str, None, AnswerState]:
        """Runs every stage; yields the text that streaming stages produce. Stages after a
        refusal are skipped."""
        for stage in self.stages:
            if state.done:
                break
            clock = time.perf_counter()
            state = yield from stage.stream(state)
            state.timings[stage.name] = state.timings.get(stage.name, 0.0) + time.perf_counter() - clock
        return state
