from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.item_sample import describe_sample, sample_items
from evals.suite import SuiteItem, load_suite
from evals.metrics.retrieval import Evidence

DEV_SET = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "reports_dev.jsonl"


def _items(spec: dict[tuple[str, str], int]) -> list[SuiteItem]:
    """A suite written the usual way: language by language, type by type."""
    return [
        SuiteItem(id=f"{lang}-{qtype}-{n}", lang=lang, type=qtype, question="q", answer="a", key_facts=("f",),
                  evidence=(Evidence(doc="d", quote="q"),))
        for (lang, qtype), count in spec.items()
        for n in range(count)
    ]


SUITE = _items({("zh", "fact"): 20, ("zh", "list"): 6, ("zh", "why"): 4, ("en", "fact"): 8, ("en", "list"): 3,
                ("en", "why"): 2})


def test_the_sample_spreads_evenly_over_language_and_type() -> None:
    sample = sample_items(SUITE, 9, seed=0)
    assert len(sample.items) == 9 and sample.sampled
    langs, types = Counter(i.lang for i in sample.items), Counter(i.type for i in sample.items)
    assert max(langs.values()) - min(langs.values()) <= 1, langs
    assert set(types) == {"fact", "list", "why"} and max(types.values()) - min(types.values()) <= 1, types
    # Suite order is kept, and the first N items (all Chinese facts) are not what is taken.
    assert sample.items == sorted(sample.items, key=SUITE.index)
    assert sample.items != SUITE[:9]


def test_a_small_group_runs_out_and_the_rest_is_still_balanced() -> None:
    sample = sample_items(SUITE, 30, seed=3)
    counts = Counter((i.lang, i.type) for i in sample.items)
    assert counts[("en", "why")] == 2 and counts[("en", "list")] == 3  # all there are
    assert Counter(i.lang for i in sample.items) == {"zh": 17, "en": 13}  # every English item, then Chinese
    zh = Counter(i.type for i in sample.items if i.lang == "zh")
    assert zh["why"] == 4 and zh["list"] == 6 and zh["fact"] == 7


def test_seeded_reproducible_and_a_larger_limit_adds_to_a_smaller_one() -> None:
    ids = lambda n, seed: {i.id for i in sample_items(SUITE, n, seed=seed).items}  # noqa: E731
    assert ids(10, 0) == ids(10, 0)
    assert ids(10, 0) != ids(10, 1)
    assert ids(10, 0) < ids(12, 0) < ids(25, 0)


def test_no_limit_or_a_large_one_takes_everything_and_says_so() -> None:
    for limit in (None, len(SUITE), 1000):
        sample = sample_items(SUITE, limit)
        assert sample.items == SUITE and not sample.sampled
        assert describe_sample(sample.to_dict()) == f"all {len(SUITE)} items"
    with pytest.raises(ValueError, match="limit must be at least 1"):
        sample_items(SUITE, 0)


def test_the_description_names_method_seed_and_counts() -> None:
    sample = sample_items(SUITE, 6, seed=7)
    record = sample.to_dict()
    assert record["method"] == "even across language and type" and record["seed"] == 7
    assert record["population"] == len(SUITE) and record["n"] == 6
    assert record["lang"] == {"en": 3, "zh": 3} and sum(record["type"].values()) == 6
    assert describe_sample(record) == (
        "6 of 43 items sampled even across language and type (seed 7): en 3, zh 3; "
        + ", ".join(f"{t} {n}" for t, n in record["type"].items())
    )


def test_ten_items_of_the_dev_set_cover_both_languages_and_every_type() -> None:
    items = load_suite(DEV_SET)
    sample = sample_items(items, 10)
    assert Counter(i.lang for i in sample.items) == {"zh": 5, "en": 5}
    assert {i.type for i in sample.items} == {i.type for i in items}
