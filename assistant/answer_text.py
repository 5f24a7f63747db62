"""The answer's display text, rendered from its claims (never parsed back)."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer import Claim, Evidence
from assistant.citation_markers import with_markers


def render_answer(claims: Sequence[Claim], evidence: Sequence[Evidence]) -> str:
    """The lead on its own line, then one line per claim; list items as "- item[n]"."""
    roles = {e.n: e.role for e in evidence}
    lines = []
    for claim in claims:
        text = with_markers(claim.text, claim.cited)
        if claim.kind == "evidence" and claim.cited and all(roles.get(n) == "item" for n in claim.cited):
            text = f"- {text}"
        lines.append(text)
    return "\n".join(lines)
