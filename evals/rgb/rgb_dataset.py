"""The RGB benchmark's Chinese noise-robustness set (Chen et al., 2024), read at run time.

The file (``zh_refine.json``: one JSON object per line with ``id, query, answer, positive,
negative``) is CC BY-NC-SA and is never copied into this repository.

Passage selection follows the benchmark's own ``processdata``: with ``n_passages`` passages and
noise rate ``r``, ``ceil(n_passages * r)`` are negatives and the rest positives, taken from the
front of each list and then shuffled (here with a per-question seeded RNG, so a question's
passages do not depend on which other questions are run).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

AnswerSpec = list[Union[str, list[str]]]


class RGBFormatError(ValueError):
    """The benchmark file is not in the expected format; names the line."""


@dataclass(frozen=True)
class RGBItem:
    id: int | str
    query: str
    answer: AnswerSpec
    positive: tuple[str, ...]
    negative: tuple[str, ...]


@dataclass(frozen=True)
class PassageSample:
    """The passages one question is asked over, with which of them are noise."""

    passages: tuple[str, ...]
    is_negative: tuple[bool, ...]

    @property
    def n_negative(self) -> int:
        return sum(self.is_negative)


def _valid_answer(answer: Any) -> bool:
    return isinstance(answer, list) and bool(answer) and all(
        (isinstance(a, str) and a.strip())
        or (isinstance(a, list) and a and all(isinstance(x, str) and x.strip() for x in a))
        for a in answer
    )


def parse_rgb_item(data: Any) -> RGBItem:
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in ("id", "query", "answer", "positive", "negative") if k not in data]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    if not isinstance(data["query"], str) or not data["query"].strip():
        raise ValueError("query must be a non-empty string")
    answer = data["answer"] if isinstance(data["answer"], list) else [data["answer"]]
    if not _valid_answer(answer):
        raise ValueError("answer must be a non-empty list of strings or lists of alternative strings")
    for key in ("positive", "negative"):
        if not isinstance(data[key], list) or not all(isinstance(p, str) for p in data[key]):
            raise ValueError(f"{key} must be a list of passage strings")
    return RGBItem(
        id=data["id"],
        query=data["query"],
        answer=answer,
        positive=tuple(p for p in data["positive"] if p.strip()),
        negative=tuple(p for p in data["negative"] if p.strip()),
    )


def load_rgb(path: str | Path) -> list[RGBItem]:
    """All items of an RGB JSON-lines file; ``RGBFormatError`` names the first bad line."""
    path = Path(path)
    if not path.is_file():
        raise RGBFormatError(f"{path}: no such file")
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                items.append(parse_rgb_item(json.loads(line)))
            except (json.JSONDecodeError, ValueError) as exc:
                raise RGBFormatError(f"{path}:{number}: {exc}") from exc
    if not items:
        raise RGBFormatError(f"{path}: no items")
    return items


def choose_items(items: Sequence[RGBItem], n: int | None, *, seed: int = 0) -> list[RGBItem]:
    """A seeded random subset of ``n`` items, in file order (all items when ``n`` is None).

    Subsets are nested: the items chosen for a smaller ``n`` are among those for a larger one
    (prefixes of one seeded permutation), so a smaller run reuses a larger run's records.
    """
    if n is None or n >= len(items):
        return list(items)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    picked = set(random.Random(seed).sample(range(len(items)), len(items))[:n])
    return [item for i, item in enumerate(items) if i in picked]


def sample_passages(item: RGBItem, noise: float, *, n_passages: int = 5, seed: int = 0) -> PassageSample:
    """The benchmark's passage mix for ``item`` at noise rate ``noise`` (see module doc)."""
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be within 0..1, got {noise}")
    if n_passages < 1:
        raise ValueError(f"n_passages must be at least 1, got {n_passages}")
    n_negative = n_passages if noise == 1.0 else math.ceil(round(n_passages * noise, 9))
    n_positive = n_passages - n_negative
    # Like the benchmark: when a list is short, the other kind fills the gap.
    if n_negative > len(item.negative):
        n_negative = len(item.negative)
        n_positive = n_passages - n_negative if noise < 1.0 else 0
    elif n_positive > len(item.positive):
        n_positive = len(item.positive)
        n_negative = min(len(item.negative), n_passages - n_positive)
    chosen = [(p, False) for p in item.positive[:n_positive]] + [(p, True) for p in item.negative[:n_negative]]
    random.Random(f"{seed}:{item.id}").shuffle(chosen)
    return PassageSample(tuple(p for p, _ in chosen), tuple(neg for _, neg in chosen))
