"""Rewrite Chinese numbers and dates in English notation, for prompts that answer in English.

A 1.5B model asked in English about a Chinese passage converts "90.3万" or "2亿美元" itself and
often gets the magnitude wrong ("90.3 million", "$2 billion"). Doing the conversion before the
model reads the passage turns an arithmetic task into copying: "903,000", "200 million US
dollars", "October 18, 2023". Only the prompt's text changes; passages, offsets and citations keep
the original.
"""

from __future__ import annotations

import re
from decimal import Decimal

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_SCALE = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8, "万亿": Decimal(10) ** 12}
_CURRENCY = {"美元": "US dollars", "人民币": "yuan", "元": "yuan", "韩元": "won", "日元": "yen",
             "欧元": "euros", "英镑": "pounds"}
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_SCALED = re.compile(
    rf"(?P<num>{_NUMBER})\s*(?P<more>多)?\s*(?P<scale>万亿|亿|万)\s*(?P<more2>多)?\s*"
    r"(?P<cur>美元|人民币|韩元|日元|欧元|英镑|元)?"
)
_PLAIN_CURRENCY = re.compile(rf"(?P<num>{_NUMBER})\s*(?P<cur>美元|韩元|日元|欧元|英镑|元)")
_FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YEAR = re.compile(r"(\d{4})\s*年(?!代)")
_DECADE = re.compile(r"(?:上世纪|20\s*世纪)?\s*(\d0)\s*年代")  # "20 世纪 70 年代" as extracted from PDFs
_COUNT = re.compile(rf"({_NUMBER})\s*个")
_MORE_THAN = re.compile(rf"({_NUMBER})\s*[多余](?=\s*[\u4e00-\u9fff])")  # "10 余条", "60多个": over 10, over 60
# A qualifier in front of a number: "超过 30条" is "over 30", "近40%" "nearly 40%".
_QUALIFIER = re.compile(r"(?P<q>超过|多于|逾|将近|接近|近|约|大约)\s*(?=\d)")
_QUALIFIERS = {"超过": "over", "多于": "over", "逾": "over", "将近": "nearly", "接近": "nearly", "近": "nearly",
               "约": "about", "大约": "about"}
_PERCENT_WORD = re.compile(r"百分之(\d+(?:\.\d+)?)")

# Numbers written in Chinese characters ("七个国家", "三成", "百分之三十五", "二〇二〇年"). Only a
# numeral before a counter or a scale is read as a number: on its own "一" is also "a" and part
# of words ("一带一路", "统一"), so a lone 一 is left alone, and an ordinal ("第三") is not a count.
# Nor is a round or vague amount without a digit ("数千家", "上百个", "百年", "千家万户"): only
# "十" stands alone.
_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_NUMERAL = "[〇零一二两三四五六七八九十百千]"
_CN_COUNTED = re.compile(
    rf"(?<![第之统唯进单初周星数几上成好{_CN_NUMERAL[1:-1]}])"  # not an ordinal, a word, a vague amount
    rf"(?P<num>{_CN_NUMERAL}{{1,6}})"
    r"(?=\s*[多余]?\s*(?:个|项|家|国|次|位|名|倍|台|条|所|人|类|种|方面|领域|份|批|届|轮|座|套|款|部|年|万|亿))"
)
_CN_TENTHS = re.compile(r"(?<![〇零一二两三四五六七八九十])(?P<num>[一二三四五六七八九])成(?![为立功长员本果熟不型就])")
_CN_PERCENT = re.compile(rf"百分之(?P<num>{_CN_NUMERAL}{{1,4}})")


def chinese_number(word: str) -> int | None:
    """The value of a numeral in Chinese characters: "七" 7, "十一" 11, "三百二十" 320, "二〇二〇"
    2020 (digit by digit); ``None`` for a range ("三四") or anything else."""
    if not word or any(c not in _CN_DIGIT and c not in _CN_UNIT for c in word):
        return None
    if not any(c in _CN_UNIT for c in word):
        if len(word) == 1:
            return _CN_DIGIT[word]
        return int("".join(str(_CN_DIGIT[c]) for c in word)) if set(word) & {"〇", "零"} else None
    total, digit = 0, None
    for c in word:
        if c in _CN_UNIT:
            total += (1 if digit is None else digit) * _CN_UNIT[c]
            digit = None
        elif _CN_DIGIT[c] == 0:
            continue  # "一百零五"
        elif digit is not None:
            return None
        else:
            digit = _CN_DIGIT[c]
    return total + (digit or 0)


def arabic_numerals(text: str) -> str:
    """``text`` with its counted Chinese numerals in digits: "七个国家" -> "7个国家", "三成" -> "30%",
    "百分之三十五" -> "35%", "二〇二〇年" -> "2020年". Counts under 2 stay in words."""
    def counted(match: re.Match) -> str:
        word = match["num"]
        value = chinese_number(word)
        idiom = word == "两" and text.startswith("国", match.end())  # "中美两国": both, not a count
        round_only = word != "十" and not set(word) - set(_CN_UNIT)  # "千家", "百年"
        return str(value) if value is not None and value >= 2 and not idiom and not round_only else match[0]

    def percent(match: re.Match, scale: int) -> str:
        value = chinese_number(match["num"])
        return f"{value * scale}%" if value is not None else match[0]

    text = _CN_PERCENT.sub(lambda m: percent(m, 1), text)
    text = _CN_TENTHS.sub(lambda m: percent(m, 10), text)
    return _CN_COUNTED.sub(counted, text)


def format_amount(value: Decimal) -> str:
    """``value`` in English words for large magnitudes: 903000 -> "903,000",
    2e8 -> "200 million", 1.5667e11 -> "156.67 billion"."""
    for size, word in ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
        if value >= size:
            return f"{_plain(value / size)} {word}"
    return _plain(value, thousands=True)


def _plain(value: Decimal, *, thousands: bool = False) -> str:
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if thousands and "." not in text and len(text) > 4:
        text = f"{int(text):,}"
    return text


def _scaled(match: re.Match) -> str:
    value = Decimal(match["num"].replace(",", "")) * _SCALE[match["scale"]]
    more = "over " if match["more"] or match["more2"] else ""
    currency = f" {_CURRENCY[match['cur']]}" if match["cur"] else ""
    return f" {more}{format_amount(value)}{currency} "


def _month(m: str) -> str | None:
    return _MONTHS[int(m) - 1] if 1 <= int(m) <= 12 else None


def _full_date(match: re.Match) -> str:
    month = _month(match[2])
    return f" {month} {int(match[3])}, {match[1]} " if month else match[0]


def _year_month(match: re.Match) -> str:
    month = _month(match[2])
    return f" {month} {match[1]} " if month else match[0]


def _month_day(match: re.Match) -> str:
    month = _month(match[1])
    return f" {month} {int(match[2])} " if month else match[0]


def english_numbers(text: str) -> str:
    """``text`` with Chinese-notation amounts, dates, years and counts in English notation."""
    text = arabic_numerals(text)
    text = _PERCENT_WORD.sub(r"\1%", text)
    text = _QUALIFIER.sub(lambda m: f" {_QUALIFIERS[m['q']]} ", text)
    text = _SCALED.sub(_scaled, text)
    text = _PLAIN_CURRENCY.sub(lambda m: f" {m['num']} {_CURRENCY[m['cur']]} ", text)
    text = _FULL_DATE.sub(_full_date, text)
    text = _YEAR_MONTH.sub(_year_month, text)
    text = _MONTH_DAY.sub(_month_day, text)
    text = _DECADE.sub(lambda m: f" the 19{m[1]}s " if "世纪" in m[0] else f" the {m[1]}s ", text)
    text = _YEAR.sub(r" \1 ", text)
    text = _MORE_THAN.sub(r" over \1 ", text)
    text = _COUNT.sub(r" \1 ", text)
    return re.sub(r"[ \t]{2,}", " ", text)


# Digits joined to Latin letters are part of a name ("COVID-19", "G20", "5G", "B2B"), except a
# decade's "s" ("1990s"): a number starts after NOT_IN_NAME_BEFORE and ends before NOT_IN_NAME_AFTER.
NOT_IN_NAME_BEFORE = r"(?<![A-Za-z\d.])(?<![A-Za-z]-)"
NOT_IN_NAME_AFTER = r"(?!(?!s\b)[A-Za-z])"
_ANY_NUMBER = re.compile(rf"{NOT_IN_NAME_BEFORE}\d+(?:\.\d+)?{NOT_IN_NAME_AFTER}")


def numbers_in(text: str) -> set[str]:
    """The numbers ``text`` states, thousands separators removed ("903,000" -> "903000"); the
    digits of a name ("COVID-19", "G20", "5G") state no number."""
    return set(_ANY_NUMBER.findall(re.sub(r"(?<=\d),(?=\d{3})", "", text)))


def numbers_in_any_notation(text: str) -> set[str]:
    """Numbers of a Chinese text in its own and in English notation ("90.3万" -> 90.3, 903000)."""
    return numbers_in(text) | numbers_in(english_numbers(text))


_SMALL_WORDS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten".split(), start=1)}


def small_count(word: str) -> int | None:
    """A count of parts written "四", "两", "4" or "four"; ``None`` for anything else."""
    word = word.strip().lower()
    if word.isdigit():
        return int(word)
    if len(word) == 1 and (number := chinese_number(word)):  # one character, not 〇
        return number
    return _SMALL_WORDS.get(word)
