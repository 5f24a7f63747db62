from __future__ import annotations

import numpy as np
import pytest

from evals.metrics.bootstrap import bootstrap_mean, paired_bootstrap_delta


def test_interval_contains_the_point_estimate() -> None:
    values = np.random.default_rng(1).binomial(1, 0.3, size=50).astype(float)
    interval = bootstrap_mean(values)
    assert interval.low <= interval.value <= interval.high
    assert interval.value == pytest.approx(values.mean())
    assert interval.n == 50


def test_interval_narrows_as_n_grows() -> None:
    rng = np.random.default_rng(2)
    small = bootstrap_mean(rng.binomial(1, 0.5, size=20).astype(float))
    large = bootstrap_mean(rng.binomial(1, 0.5, size=2000).astype(float))
    assert (large.high - large.low) < (small.high - small.low) / 3


def test_seeded_and_reproducible() -> None:
    values = [0.1, 0.5, 0.9, 0.3, 0.7]
    assert bootstrap_mean(values, seed=7) == bootstrap_mean(values, seed=7)


def test_constant_values_give_a_zero_width_interval() -> None:
    interval = bootstrap_mean([1.0] * 10)
    assert interval.low == interval.high == 1.0


def test_empty_and_invalid_input() -> None:
    assert bootstrap_mean([]).n == 0
    assert bootstrap_mean([]).format() == "n/a"
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_mean([1.0, float("nan")])
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_mean([1.0], confidence=1.5)


def test_paired_delta_detects_a_consistent_improvement_independent_intervals_would_miss() -> None:
    rng = np.random.default_rng(3)
    difficulty = rng.uniform(0, 1, size=40)
    before, after = difficulty, np.clip(difficulty + 0.05, 0, 1)
    delta = paired_bootstrap_delta(before, after)
    assert delta.low > 0  # every item improved a little
    a, b = bootstrap_mean(before), bootstrap_mean(after)
    assert a.high > b.low  # the unpaired intervals overlap


def test_paired_delta_needs_equal_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        paired_bootstrap_delta([1.0, 0.0], [1.0])
