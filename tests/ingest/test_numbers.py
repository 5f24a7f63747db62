from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.numbers import (
    arabic_numerals, chinese_number, english_numbers, format_amount, numbers_in, numbers_in_any_notation, small_count,
)


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("创造90.3万个工作岗位", "903,000"),
        ("拨款2亿美元用于数字经济", "200 million US dollars"),
        ("市场规模为 14.2 万亿元", "14.2 trillion yuan"),
        ("计划投资和贸易总额达1566.7亿元", "156.67 billion yuan"),
        ("1000 多万线上观众", "over 10 million"),
        ("2023年10月18日，习近平", "October 18, 2023"),
        ("3月27日，美国总统", "March 27"),
        ("2019年 8月“数字丝绸之路”国际合作会议", "August 2019"),
        ("上世纪30年代大萧条", "the 1930s"),
        ("20 世纪 70 年代以来，产品标准", "the 1970s"),  # data/reports/001, spaced as extracted
        ("建成超过 30条跨境陆缆", "over 30"),
        ("同比大幅下跌近 40%", "nearly 40%"),
        ("覆盖全球 60多个国家和地区", "over 60"),
        ("10 余条国际海缆", "over 10"),
        ("约 2亿美元", "about 200 million US dollars"),
    ],
)
def test_chinese_notation_becomes_english_notation(chinese, english):
    assert english in english_numbers(chinese)


def test_amounts_keep_their_exact_digits():
    assert format_amount(Decimal("293985000000")) == "293.985 billion"
    assert format_amount(Decimal("58200")) == "58,200"
    assert format_amount(Decimal("1200")) == "1200"


def test_text_without_numbers_is_unchanged():
    assert english_numbers("数字丝绸之路合作") == "数字丝绸之路合作"


def test_numbers_in_any_notation_covers_both_notations():
    assert {"90.3", "903000"} <= numbers_in_any_notation("韩国新政将创造90.3万个就业岗位")
    assert numbers_in("from 53.57 to 1,767.23 TBPS") == {"53.57", "1767.23"}


def test_digits_of_a_name_state_no_number():
    assert numbers_in("COVID-19, G20, G7, 5G and B2B") == set()
    assert numbers_in("in the 1990s, 2.8% of 3813 breaches") == {"1990", "2.8", "3813"}


@pytest.mark.parametrize("word, count", [("四", 4), ("两", 2), ("十", 10), ("4", 4), ("Four", 4), ("ten", 10),
                                         ("十一", None), ("several", None), ("", None)])
def test_small_count(word, count):
    assert small_count(word) == count


@pytest.mark.parametrize("word, value", [
    ("七", 7), ("十", 10), ("十一", 11), ("二十", 20), ("三百二十五", 325), ("一百零五", 105), ("两千", 2000),
    ("二〇二〇", 2020), ("二零二三", 2023), ("三四", None), ("七a", None), ("", None),
])
def test_chinese_number(word, value):
    assert chinese_number(word) == value


@pytest.mark.parametrize("chinese, digits", [
    # data/reports/001: "先后单独及联合提交三个议案"; 003: "这种机会争夺包括三个层面"
    ("先后单独及联合提交三个议案", "先后单独及联合提交3个议案"),
    ("这种机会争夺包括三个层面。", "这种机会争夺包括3个层面。"),
    ("约三成企业", "约30%企业"), ("九成以上", "90%以上"), ("百分之三十五", "35%"),
    ("二〇二〇年", "2020年"), ("十余个国家", "10余个国家"), ("三万人", "3万人"),
])
def test_counted_chinese_numerals_become_digits(chinese, digits):
    assert arabic_numerals(chinese) == digits


@pytest.mark.parametrize("text", [
    "一带一路", "进一步统一大市场", "第三个阶段", "一个重要方面", "三四个国家", "十四五规划", "一成不变",
    "三成员国", "中美两国", "这三大挑战", "数千家企业", "上百个项目", "几十个国家", "百年未有之大变局", "千家万户",
])
def test_words_that_only_look_like_counts_stay_in_words(text):
    assert arabic_numerals(text) == text


def test_english_notation_and_number_sets_read_chinese_numerals():
    assert english_numbers("与七个国家共同发起") == "与 7 国家共同发起"
    assert {"3"} <= numbers_in_any_notation("先后单独及联合提交三个议案")
