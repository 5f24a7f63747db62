"""The one place that decides, before composition, that the reports do not answer the question.

Two reasons, recorded in the answer: ``weak_retrieval`` (no retrieved chunk is close to the
question) and ``no_evidence`` (no unit of the retrieved chunks is). The third reason,
``model_no_answer``, is the model's own verdict (:class:`ModelComposer`), and ``unsupported``
is left when verification drops every claim (:class:`ClaimVerifier`).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer_state import AnswerState
from assistant.stage import Stage


class RefusalGate(Stage):
    name = "gate"

    @dataclass(frozen=True)
    class Config:
        # Best chunk cosine under which retrieval is weak (dev set, see evals/README.md).
        refuse_below: float = 0.30
        # Best answer-unit cosine under which no unit answers. Calibrated on the dev set with
        # `benchmarks/answer_benchmark.py gate` (answerable vs unanswerable items).
        min_unit_cosine: float = 0.40

    def __init__(self, config: Config | None = None):
        super().__init__(config)
        for key in ("refuse_below", "min_unit_cosine"):
            if not -1.0 <= getattr(self.config, key) <= 1.0:
                raise ValueError(f"{key} is a cosine similarity in [-1, 1], got {getattr(self.config, key)}")

    def run(self, state: AnswerState) -> AnswerState:
        dense = [r.scores["dense"] for r in state.results if "dense" in r.scores]
        if not state.results or (dense and max(dense) < self.config.refuse_below):
            state.refusal = "weak_retrieval"
        elif not state.evidence:
            state.refusal = "no_evidence"
        else:
            best = max((e.cosine for e in state.evidence if e.role == "answer"), default=None)
            if best is not None and best < self.config.min_unit_cosine:
                state.refusal = "no_evidence"
        return state
