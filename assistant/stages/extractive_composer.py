"""Composition without a model: the claims are the evidence units themselves.

For a Chinese question the answer is the units, each cited. For an English question it opens with
an English lead naming what was found (the report, its year, the figures and names the units
state, in English notation), then the Chinese units as cited quotations, so an English reader
gets the facts in English and the sources verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer import Claim, Evidence
from assistant.answer_state import AnswerState
from assistant.stage import Stage
from ingest.numbers import NOT_IN_NAME_AFTER, NOT_IN_NAME_BEFORE, english_numbers

# The digits of a name ("G20", "5G", "COVID-19") are no figure: the name is listed whole.
_FIGURE = re.compile(
    rf"(?:(?:over|nearly|about) )?{NOT_IN_NAME_BEFORE}\d[\d,]*(?:\.\d+)?(?:s\b|{NOT_IN_NAME_AFTER})"
    r"(?:\s*(?:%|percent|million|billion|trillion)){0,2}"
    r"(?:\s+(?:US dollars|yuan|won|yen|euros|pounds))?"
)
_DATE = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?: \d{1,2},)? \d{4}"
)
_LATIN_NAME = re.compile(r"[A-Z]+-?\d+[A-Za-z0-9]*|\d+[A-Z][A-Za-z]*|[A-Z][A-Za-z]*(?:[-\s][A-Z][A-Za-z]*)*|[A-Za-z]*[A-Z]{2,}[A-Za-z0-9]*")


def english_facts(text: str, *, limit: int = 8) -> list[str]:
    """Dates, figures and Latin-script names of a Chinese text, in English notation."""
    english = english_numbers(text)
    facts: list[str] = []
    for pattern in (_DATE, _FIGURE, _LATIN_NAME):
        for match in pattern.finditer(english):
            fact = match.group().strip(" ,")
            if len(fact) < 2 or any(fact in f for f in facts) or fact.isdigit() and len(fact) == 4 and _DATE.search(english):
                continue
            facts.append(fact)
            english = english.replace(match.group(), " ", 1)
    return facts[:limit]


class ExtractiveComposer(Stage):
    name = "compose"

    @dataclass(frozen=True)
    class Config:
        max_facts: int = 8  # figures and names listed in an English lead

    def __init__(self, config: Config | None = None, *, english_title: Callable[[str], str | None] | None = None):
        super().__init__(config)
        self.english_title = english_title or (lambda doc_id: None)

    def run(self, state: AnswerState) -> AnswerState:
        claims = [Claim(e.text, (e.n,)) for e in state.evidence]
        state.claims = (self.lead(state.evidence) if state.language == "en" else []) + claims
        return state

    def lead(self, evidence: list[Evidence]) -> list[Claim]:
        """The English lead: one claim per report, "From “<English title>”: <figures and
        names>.", citing that report's units (all but context), so each report's figures point
        at the units that state them."""
        claims = []
        for doc_id in dict.fromkeys(e.unit.doc_id for e in evidence):
            units = [e for e in evidence if e.unit.doc_id == doc_id]
            answers = [e for e in units if e.role != "context"] or units
            title = self.english_title(doc_id) or units[0].doc_title
            facts: list[str] = []
            for e in answers:
                facts.extend(f for f in english_facts(e.text) if f not in facts)
            facts = facts[: self.config.max_facts]
            said = f": {', '.join(facts)}" if facts else ""
            claims.append(Claim(f"From “{title}”{said}.", tuple(e.n for e in answers), "lead"))
        return claims
