"""The one place that decides, before composition, that the reports do not answer the question.

Two reasons, recorded in the answer: ``weak_retrieval`` (no retrieved chunk is close to the
question) and ``no_evidence`` (no unit of the retrieved chunks is). The third reason,
``model_no_answer``, is the model's own verdict (:class:`ModelComposer`), and ``unsupported``
is left when verification drops every claim (:class:`ClaimVerifier`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer import Evidence
from assistant.answer_state import AnswerState
from assistant.stage import Stage
from ingest.numbers import numbers_in

# Questions that ask for a figure or a date: their evidence must state one.
_ASKS_FOR_FIGURE = re.compile(
    r"多少|几[个项家国次年位名倍台条所人]|多大|多高|多快|比例|占比|百分之|哪一?天|哪一?年|何时|什么时候|几月"
    r"|\bhow (?:many|much|large|big|fast|high|long)\b|\bwhat (?:percentage|share|proportion|amount|value|budget|size|number|year|date)\b"
    r"|\bby how much\b|\bwhen\b|\bwhich (?:year|day|date)\b",
    re.IGNORECASE,
)


def states_a_figure(question: str, evidence: list[Evidence]) -> bool:
    """Whether some answer unit states a number the question does not already give."""
    given = numbers_in(question)
    return any(numbers_in(e.text) - given for e in evidence if e.role in ("answer", "context", "item"))


class RefusalGate(Stage):
    name = "gate"

    @dataclass(frozen=True)
    class Config:
        # Best chunk cosine under which retrieval is weak (dev set, see evals/README.md).
        refuse_below: float = 0.30
        # Best answer-unit cosine under which no unit answers. Dev set, `answer_benchmark.py
        # gate`, with the figure rule below: 0.50 refuses 6 of 10 unanswerable and 4 of 62
        # answerable (6.5%); 0.48 refuses 5 of 10 and none; 0.54, 9 of 10 but 16% of answerable.
        min_unit_cosine: float = 0.50
        # A question asking for a figure or date whose evidence states none is refused
        # (dev: every unanswerable item asks for a figure, a date or a place the reports omit).
        require_figures: bool = True

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
            question = state.standalone or state.question
            if best is not None and best < self.config.min_unit_cosine:
                state.refusal = "no_evidence"
            elif self.config.require_figures and _ASKS_FOR_FIGURE.search(question) and not states_a_figure(question, state.evidence):
                state.refusal = "no_evidence"
        return state
