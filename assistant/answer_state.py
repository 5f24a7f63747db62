"""The state an answer pipeline passes from stage to stage."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant.answer import Claim, Evidence, Language, RefusalDetail, RefusalReason
from index.search_result import SearchResult

History = Sequence[Mapping[str, str]]


@dataclass
class AnswerState:
    """Inputs (``question``, ``history``, ``language``) and what the stages add, in order:
    ``standalone`` (follow-ups resolved), ``context`` (for a question that depends on the
    conversation: the previous turn's question, resolved; retrieval favours its documents),
    ``results`` (retrieved chunks), ``evidence`` (selected
    units, numbered), ``claims`` and ``lead_text``/``draft`` (composition), ``dropped`` (claims
    verification removed), ``refusal`` (set by whichever stage decides the reports do not answer;
    later stages then do nothing) and ``refusal_detail`` (the gate's test that decided)."""

    question: str
    language: Language
    history: History = ()
    standalone: str = ""
    context: str = ""
    results: list[SearchResult] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    refusal: RefusalReason | None = None
    refusal_detail: RefusalDetail | None = None  # which gate test refused (``no_evidence``)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def done(self) -> bool:
        return self.refusal is not None
