"""``--limit N``: a seeded sample spread evenly over languages and question types.

Suites are written language by language and type by type, so the first N items would all be
Chinese fact questions. The sample instead takes one item at a time from the language least
represented so far, then the type least represented so far, ties broken by a seeded draw; within
a (language, type) group items come in a seeded random order. A larger N with the same seed picks
a superset of a smaller N's items, so a resumed run with a higher limit only asks the new ones.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals.suite import SuiteItem

DEFAULT_SEED = 0
METHOD = "even across language and type"


@dataclass(frozen=True)
class ItemSample:
    """The chosen items (in suite order) and how they were chosen."""

    items: list[SuiteItem]
    population: int
    limit: int | None
    seed: int

    @property
    def sampled(self) -> bool:
        return len(self.items) < self.population

    def counts(self, key: str) -> dict[str, int]:
        return dict(sorted(Counter(getattr(item, key) for item in self.items).items()))

    def describe(self) -> str:
        """One line for the terminal (the reports show the same line from ``run.json``)."""
        return describe_sample(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """What ``run.json`` records under ``sample``."""
        return {
            "method": METHOD if self.sampled else "all",
            "seed": self.seed,
            "limit": self.limit,
            "population": self.population,
            "n": len(self.items),
            "lang": self.counts("lang"),
            "type": self.counts("type"),
        }


def describe_sample(sample: Mapping[str, Any]) -> str:
    """``run.json``'s ``sample`` record as one line: how many items of how many, chosen how."""
    if sample.get("method") != METHOD:
        return f"all {sample.get('n', '?')} items"
    langs = ", ".join(f"{k} {v}" for k, v in sample.get("lang", {}).items())
    types = ", ".join(f"{k} {v}" for k, v in sample.get("type", {}).items())
    return (f"{sample['n']} of {sample['population']} items sampled {METHOD} (seed {sample['seed']}): "
            f"{langs}; {types}")


def sample_items(items: Sequence[SuiteItem], limit: int | None, *, seed: int = DEFAULT_SEED) -> ItemSample:
    """At most ``limit`` of ``items`` spread evenly over language and type (all of them without a limit)."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if limit is None or limit >= len(items):
        return ItemSample(list(items), len(items), limit, seed)
    rng = random.Random(seed)
    pools: dict[tuple[str, str], list[int]] = {}
    for position, item in enumerate(items):
        pools.setdefault((item.lang, item.type), []).append(position)
    for positions in pools.values():
        rng.shuffle(positions)
    tiebreak = {group: rng.random() for group in sorted(pools)}
    by_lang: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    chosen: list[int] = []
    while len(chosen) < limit:
        lang, qtype = min(
            (group for group, positions in pools.items() if positions),
            key=lambda g: (by_lang[g[0]], by_type[g[1]], tiebreak[g]),
        )
        chosen.append(pools[(lang, qtype)].pop())
        by_lang[lang] += 1
        by_type[qtype] += 1
    return ItemSample([items[i] for i in sorted(chosen)], len(items), limit, seed)
