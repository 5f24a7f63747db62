"""What kind of value a question asks for, and whether a text states one.

A question that asks "how much, in US dollars" is answered only by a text stating an amount of
money; "on which day", only by a day-precise date; "in 2021", only by a text about 2021. The
refusal gate reads these constraints: a question the reports do not answer usually names the
right topic (its evidence scores well) but asks for a value or a year the text never gives (all
ten unanswerable dev questions do, see :class:`~assistant.stages.refusal_gate.RefusalGate`).

Only unambiguous cues count: "how much" alone may ask for money, a share or a count, so it asks
for a figure of any kind.
"""

from __future__ import annotations

import re

from ingest.language import detect_language
from ingest.numbers import arabic_numerals, english_numbers, numbers_in, numbers_in_any_notation, small_count

_ASKS = {
    "figure": re.compile(
        # "哪几个方面" asks which ones, "几个国家" how many.
        r"多少|(?<!哪)几[个项家国次年位名倍台条所人]|多大|多高|多快|比例|占比|百分之|哪一?天|哪一?年|何时|什么时候|几月"
        r"|\bhow (?:many|much|large|big|fast|high|long)\b"
        r"|\bwhat (?:percentage|share|proportion|amount|value|budget|size|number|year|date)\b"
        r"|\bby how much\b|\bwhich (?:year|day|date)\b"
        # "when" as the question word, not the conjunction of "what happened when ..."
        r"|(?:^|[,;:]\s*|\band\s+)when\b", re.IGNORECASE),
    "money": re.compile(
        r"多少(?:万亿|亿|万|千)?(?:元|美元|人民币)|多少钱|金额|投资额"
        r"|\bin (?:US )?dollars\b|\bin (?:yuan|RMB)\b|\bhow much money\b|\bbudget\b|\bfine\b|\bworth\b"
        r"|\bhow much did .* invest\b",
        re.IGNORECASE),
    "percent": re.compile(
        r"百分之多少|百分比|比例|占比|比重|增长率|增速|份额"
        r"|\bwhat (?:share|percentage|proportion|percent)\b|\bby what percent|\bgrowth rate\b", re.IGNORECASE),
    "day": re.compile(r"哪一天|哪天|几月几日|何日|\bwhat date\b|\bwhich (?:day|date)\b|\bon what day\b", re.IGNORECASE),
    "year": re.compile(r"哪一年|哪年|何年|\b(?:which|what|in what) year\b", re.IGNORECASE),
}
_STATES = {
    "figure": re.compile(r"\d"),
    "money": re.compile(r"\d[\d,.]*\s*多?\s*(?:万亿|亿|万|千)?\s*多?\s*(?:美元|元|人民币|欧元|日元|英镑|韩元)"
                        r"|[$￥¥]\s*\d|\d\s*(?:dollars|yuan)\b", re.IGNORECASE),
    "percent": re.compile(r"\d\s*%|百分之|个百分点|\d\s*成|\bper ?cent\b", re.IGNORECASE),
    "day": re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日"),
    "year": re.compile(r"(?:19|20)\d\d"),
}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# A year that dates a report rather than the fact asked about: "the 2020 white paper",
# "2022年版", "白皮书（2022年）". Titles and quotations are set aside the same way.
_REPORT_YEAR = re.compile(
    r"(?:19|20)\d\d(?:\s*年?\s*(?:and|和|与|及|、|,|/)\s*(?:19|20)\d\d)*"
    r"(?:\s*年的?\s*[两各]?版|\s*年的?(?:白皮书|报告)|'?s?\s*(?:[A-Za-z-]+\s+){0,3}(?:report|white paper|paper|article|edition)s?\b)"
    r"|(?:白皮书|报告)\s*[（(]\s*(?:19|20)\d\d", re.IGNORECASE)
_QUOTED = re.compile(r"《[^》]*》|“[^”]*”|\"[^\"]*\"")
# A question asking for a set number of parts: "哪四重挑战", "四大动因", "which five sub-topics",
# "the four pillars". A count that only names something ("八项行动是何时宣布的") has neither
# "哪" nor "大" before its noun, and an English count must open the noun phrase asked for.
_ASKED_COUNT = re.compile(
    r"哪\s*([两二三四五六七八九十]|\d{1,2})\s*[\u4e00-\u9fff]|([两二三四五六七八九十])大[\u4e00-\u9fff]"
    r"|\b(?:which|what|the)\s+(two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?:[a-z-]+\s+)?[a-z-]+s\b",
    re.IGNORECASE)
# What a Chinese question names in a form the reports would print as is: a word in Latin script
# ("mBridge", "DEPA", "G20") or a quoted or book-title term (“数字丝绸之路”, 《…》).
_LATIN_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9.\-]*[A-Za-z0-9](?![A-Za-z0-9])")
_NAMED = re.compile(r"《([^》]{2,40})》|“([^”]{2,20})”")
_COUNTED_SOURCES = re.compile(r"(?:reports?|papers?|documents?|articles?)$|[份篇]", re.IGNORECASE)  # "which two reports"


def expected_types(question: str) -> frozenset[str]:
    """The kinds of value ``question`` asks for: any of figure, money, percent, day, year."""
    return frozenset(kind for kind, pattern in _ASKS.items() if pattern.search(question))


def states(kind: str, text: str, *, given: str = "") -> bool:
    """Whether ``text`` states a value of ``kind`` whose number ``given`` (the question) does
    not already state, in either notation: "5万亿美元" answers no question about "$5 trillion"."""
    if kind not in _STATES:
        raise ValueError(f"unknown answer type {kind!r}; expected one of {sorted(_STATES)}")
    known = numbers_in(given) | numbers_in(english_numbers(given))
    text = arabic_numerals(text)  # "七个国家", "三成" state figures too
    values = [text] if kind == "figure" else [m.group() for m in _STATES[kind].finditer(text)]
    return any(numbers_in_any_notation(value) - known for value in values if _STATES["figure"].search(value))


def asked_years(question: str) -> set[str]:
    """The years ``question`` restricts its answer to, leaving out years that date a report
    or sit inside a title or quotation."""
    reports = {year for match in _REPORT_YEAR.finditer(question) for year in _YEAR.findall(match.group())}
    return set(_YEAR.findall(_QUOTED.sub(" ", question))) - reports


def named_terms(question: str) -> list[str]:
    """The names a Chinese question gives in Latin script or between quotation marks or title
    marks; none for an English question (its words are not the reports' words)."""
    if detect_language(question) != "zh":
        return []
    quoted = [a or b for a, b in _NAMED.findall(question)]
    return quoted + _LATIN_NAME.findall(_NAMED.sub(" ", question))


def asked_count(question: str) -> int | None:
    """How many parts ``question`` asks for ("哪四重挑战" -> 4), if it names a number."""
    match = _ASKED_COUNT.search(_QUOTED.sub(" ", question))
    if match is None or _COUNTED_SOURCES.search(match.group()):
        return None
    return small_count(next(g for g in match.groups() if g))
