"""Percentile-bootstrap confidence intervals for means and for paired differences of means."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Interval:
    """A point estimate with its ``confidence`` interval over ``n`` items."""

    value: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format(self, digits: int = 3) -> str:
        if self.n == 0:
            return "n/a"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def _validate(confidence: float, n_resamples: int) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be within (0, 1), got {confidence}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be positive, got {n_resamples}")


def _as_array(values: Sequence[float], name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN; drop undefined items before bootstrapping")
    return array


def _interval(point: float, means: np.ndarray, n: int, confidence: float) -> Interval:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    # Percentiles of a resampled mean can miss a skewed point estimate by rounding; clamp.
    return Interval(float(point), float(min(low, point)), float(max(high, point)), n, confidence)


def bootstrap_mean(
    values: Sequence[float],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> Interval:
    """Mean of ``values`` with a seeded percentile-bootstrap interval."""
    _validate(confidence, n_resamples)
    array = _as_array(values, "values")
    n = len(array)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0, confidence)
    rng = np.random.default_rng(seed)
    means = array[rng.integers(0, n, size=(n_resamples, n))].mean(axis=1)
    return _interval(array.mean(), means, n, confidence)


def paired_bootstrap_delta(
    before: Sequence[float],
    after: Sequence[float],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> Interval:
    """``mean(after) - mean(before)`` over paired items, resampling items jointly.

    Pairing removes the item-difficulty variance both runs share, so the interval on the
    difference is much narrower than two independent intervals would suggest.
    """
    _validate(confidence, n_resamples)
    a, b = _as_array(before, "before"), _as_array(after, "after")
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {len(a)} vs {len(b)}")
    return bootstrap_mean(b - a, n_resamples=n_resamples, confidence=confidence, seed=seed)
