from __future__ import annotations

import pytest

from evals.metrics.normalize import contains_normalized, normalize_answer, squash


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("２０２３年", "2023年"),  # full-width digits
        ("ＧＤＰ", "gdp"),  # full-width Latin and case
        ("2.5億元", "2.5亿元"),  # traditional 億
        ("twenty-five", "25"),
        ("Twenty five", "25"),
        ("seven hundred", "700"),
        ("1,234,567", "1234567"),
        ("20 percent", "20%"),
        ("20 per cent", "20%"),
        ("百分之二十", "20%"),
        ("百分之二十五", "25%"),
        ("百分之 7.5", "7.5%"),
        ("20个", "20"),
        ("“十四五”规划", "十四五规划"),
        ("carbon-peaking", "carbon peaking"),
    ],
)
def test_equivalent_spellings_normalise_alike(a: str, b: str) -> None:
    assert normalize_answer(a) == normalize_answer(b)


def test_normalisation_keeps_english_words_apart_and_chinese_joined() -> None:
    assert normalize_answer("Green  finance, in 2023.") == "green finance in 2023"
    assert normalize_answer("绿色 金融 ， 发展") == "绿色金融发展"
    assert normalize_answer("增长 5.2 %") == "增长5.2%"


def test_hundred_percent_is_not_mangled() -> None:
    assert normalize_answer("百分之一百") == "百分之一百"


@pytest.mark.parametrize(
    ("haystack", "needle", "expected"),
    [
        ("共有20个国家参加", "20个", True),
        ("共有20个国家参加", "20", True),
        ("twenty countries took part", "20", True),
        ("It rose by 5 percent", "5%", True),
        ("2020年", "20", False),  # digits are not cut out of longer numbers
        ("120 items", "20", False),
        ("grew to 767.23TBps", "767.23", True),  # a unit written onto the number
        ("20.5 million", "20", False),
        ("G20 members", "20", False),
        ("growth of 3.5%", "5%", False),
        ("a fresh start", "art", False),  # nor words out of longer words
        ("Art and science", "art", True),
        ("Alibaba's Ali Express and Shein", "AliExpress", True),  # one name, two spellings
        ("platforms like AliExpress", "Ali Express", True),
        ("the re start of talks", "start", True),
        ("a restart of talks", "re start", True),
        ("st art", "start", True),
        ("smart phones", "art phones", False),  # joining spaces does not cut words either
        ("20 20 vision", "2020", False),  # numbers are never joined
        ("碳达峰碳中和目标", "碳中和", True),
        ("anything", "   ", False),
    ],
)
def test_contains_normalized(haystack: str, needle: str, expected: bool) -> None:
    assert contains_normalized(haystack, needle) is expected


def test_squash_removes_every_kind_of_whitespace() -> None:
    assert squash("绿色\n金融\u3000发展 Ａ") == "绿色金融发展a"
