"""The one verification rule: a claim whose numbers (and, for Chinese claims, quoted names) do
not appear in its own units is dropped. A model-written line about one unit falls back to the
unit's own words instead, so verification never removes evidence the preview showed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer import Claim, Evidence
from assistant.answer_state import AnswerState
from assistant.stage import Stage
from ingest.language import cjk_ratio
from ingest.numbers import numbers_in, numbers_in_any_notation

_QUOTED_NAME = re.compile(r"[《“「]([^》”」]{2,30})[》”」]")
_QUOTED = re.compile(r"[《“「][^》”」]*[》”」]")


def unfounded(claim: str, sources: list[str], question: str = "") -> list[str]:
    """What ``claim`` states that ``sources`` do not: numbers (in either notation) and, for a
    Chinese claim, quoted names. Numbers the question itself gives are allowed."""
    known = set().union(*(numbers_in_any_notation(s) for s in sources)) if sources else set()
    known |= numbers_in(question)
    # Numbers inside a quoted title ("COVID-19" in an English report title) name, not state.
    stated = numbers_in(_QUOTED.sub(" ", claim))
    missing = sorted(n for n in stated - known if not _trivial(n))
    if cjk_ratio(claim) >= 0.3:
        joined = "".join(sources)
        missing += [name for name in _QUOTED_NAME.findall(claim) if name not in joined]
    return missing


def unfounded_claim(claim: Claim, state: AnswerState) -> list[str]:
    """:func:`unfounded` for ``claim`` against the units it cites (the answer units when it
    cites none) and their reports' titles: a claim may name its report."""
    by_n = {e.n: e for e in state.evidence}
    cited = [by_n[n] for n in claim.cited if n in by_n] or [e for e in state.evidence if e.role == "answer"]
    return unfounded(claim.text, [e.text for e in cited] + [e.doc_title for e in cited], state.standalone or state.question)


def _trivial(number: str) -> bool:
    """Single digits are list numbering and counting words ("2 reports", "one of 3")."""
    return len(number) == 1


class ClaimVerifier(Stage):
    name = "verify"

    @dataclass(frozen=True)
    class Config:
        enabled: bool = True

    def run(self, state: AnswerState) -> AnswerState:
        if not self.config.enabled:
            return state
        by_n = {e.n: e for e in state.evidence}
        kept: list[Claim] = []
        for claim in state.claims:
            if not unfounded_claim(claim, state):
                kept.append(claim)
                continue
            state.dropped.append(claim.text)
            if claim.kind == "translation" and len(claim.cited) == 1 and claim.cited[0] in by_n:
                kept.append(Claim(by_n[claim.cited[0]].text, claim.cited))  # the unit's own words
        state.claims = kept
        if not kept:
            state.refusal = "unsupported"
        return state
