"""Text normalisation shared by the answer, retrieval and RGB metrics.

Two canonical forms:

* ``squash(text)`` — NFKC, lower case, every whitespace removed. Used to compare passages
  with evidence quotes, where PDF extraction may have broken lines anywhere.
* ``normalize_answer(text)`` — ``squash``'s unicode folding plus the equivalences a human
  grader would accept between a reference fact and an answer: traditional/simplified
  number characters (``億``/``亿``), English number words (``twenty``/``20``), thousands
  separators (``1,000``/``1000``), percent spellings (``percent``/``百分之``/``%``) and
  measure words after numbers (``20个``/``20``). Punctuation becomes a space, and spaces
  survive only between two Latin/digit characters so English words stay separate while
  Chinese text is one run.
"""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")

# Traditional (and variant) forms of characters that carry numbers and units.
_VARIANTS = str.maketrans(
    {
        "億": "亿", "萬": "万", "個": "个", "點": "点", "兩": "两", "參": "参", "貳": "贰",
        "圓": "圆", "元": "元", "釐": "厘", "噸": "吨", "項": "项", "條": "条", "國": "国",
        "〇": "0",
    }
)

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
# "twenty-five", "twenty five", "seven", optionally followed by "hundred"; longest first.
_NUMBER_PHRASE = re.compile(
    rf"\b(?:(?P<tens>{'|'.join(_TENS)})(?:[\s-](?P<unit>{'|'.join(_UNITS)}))?|(?P<single>{_NUMBER_WORD}))"
    rf"(?:\s+(?P<hundred>hundred))?\b"
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PERCENT_WORDS = re.compile(r"\s*(?:per\s*cent|percent|pct)\b")
_CHINESE_PERCENT = re.compile(r"百分之\s*(\d+(?:\.\d+)?|[零一二两三四五六七八九十]+(?![百千万亿零一二两三四五六七八九十]))")
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
# Measure words that may follow a number without changing the fact ("20个" == "20").
_MEASURE_WORDS = re.compile(r"(?<=\d)(?:个|項|项|家|条|名|位|座|次|件|种|所|只|处|批|类|届)")
# What survives as content: letters, digits (with a decimal point between digits), CJK, %.
_PUNCTUATION = re.compile(r"[^\w%.]|_|(?<!\d)\.|\.(?!\d)")
_SPACE_NEXT_TO_NON_LATIN = re.compile(r" (?=[^a-z0-9])|(?<=[^a-z0-9]) ")


_SPACE_IN_NAME = re.compile(r"(?<=[a-z]) (?=[a-z])")
# Where a space may occur in a needle written as a pattern (letters are not escaped).
_LETTER_GAP = re.compile(r"(?<=[a-z])(?=[a-z])")


def squash(text: str) -> str:
    """NFKC-folded, lower-cased ``text`` without any whitespace."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def _number_words_to_digits(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("single"):
            value = _UNITS.get(match.group("single"), _TENS.get(match.group("single"), 0))
        else:
            value = _TENS[match.group("tens")] + _UNITS.get(match.group("unit") or "", 0)
        if match.group("hundred"):
            value *= 100
        return str(value)

    return _NUMBER_PHRASE.sub(replace, text)


def _chinese_percent(match: re.Match[str]) -> str:
    """``百分之二十五`` -> ``25%`` (numerals below 100, the only ones percentages need)."""
    number = match.group(1)
    if number[0].isdigit():
        return f"{number}%"
    tens, _, units = number.rpartition("十")
    if "十" in number:
        value = (_CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10 + _CHINESE_DIGITS.get(units, 0)
    elif len(number) == 1:
        value = _CHINESE_DIGITS[number]
    else:  # digit by digit, e.g. 百分之三五 is not Chinese; keep the text as written
        return match.group(0)
    return f"{value}%"


def normalize_answer(text: str) -> str:
    """The canonical form answers and reference facts are compared in (see module doc)."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_VARIANTS)
    text = _number_words_to_digits(text)
    text = _THOUSANDS.sub("", text)
    text = _CHINESE_PERCENT.sub(_chinese_percent, text)
    text = _PERCENT_WORDS.sub("%", text)
    text = _MEASURE_WORDS.sub("", text)
    text = _PUNCTUATION.sub(" ", text)
    text = _WHITESPACE.sub(" ", text).strip()
    return _SPACE_NEXT_TO_NON_LATIN.sub("", text)


def contains_normalized(haystack: str, needle: str) -> bool:
    """Whether normalised ``needle`` occurs in normalised ``haystack`` as a whole token run.

    Latin words and numbers must not be cut: ``20`` is not found in ``2020``, ``120`` or ``20.5``,
    ``art`` is not found in ``start`` (a unit written onto a number, ``53.57TBps``, does not cut it); Chinese has no word boundaries, so there plain containment is used.
    Names spelt with or without a space between words match (``Ali Express`` / ``AliExpress``,
    as translations of a Chinese name differ): a space between two letters is optional.
    """
    needle_n = normalize_answer(needle)
    if not needle_n:
        return False
    haystack_n = normalize_answer(haystack)
    start = r"(?<![a-z0-9.])" if needle_n[0].isascii() and needle_n[0].isalnum() else ""
    if needle_n[-1].isdigit():  # a unit may follow ("53.57TBps"), a longer number may not
        end = r"(?![0-9]|\.[0-9])"
    else:
        end = r"(?![a-z0-9])" if needle_n[-1].isascii() and needle_n[-1].isalnum() else ""
    body = _LETTER_GAP.sub(" ?", re.escape(_SPACE_IN_NAME.sub("", needle_n)))
    return re.search(start + body + end, haystack_n) is not None
