"""Refusal metrics: refuse when the library has no answer, answer when it has one."""

from __future__ import annotations

from collections.abc import Sequence


def refusal_rate(refused: Sequence[bool]) -> float:
    """Share of refusals; on unanswerable items higher is better."""
    if not refused:
        raise ValueError("refusal_rate needs at least one item")
    return sum(map(bool, refused)) / len(refused)


def false_refusal_rate(refused: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Share of answerable items that were refused (lower is better)."""
    if len(refused) != len(answerable):
        raise ValueError(f"got {len(refused)} refusal flags for {len(answerable)} items")
    on_answerable = [r for r, a in zip(refused, answerable) if a]
    if not on_answerable:
        raise ValueError("false_refusal_rate needs at least one answerable item")
    return refusal_rate(on_answerable)
