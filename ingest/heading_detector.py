"""Recognise heading lines of Chinese and English reports by their numbering patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUMERAL = "一二三四五六七八九十百零〇"
# “3.5 亿元” is a quantity, not heading 3.5: a number followed by a unit is body text.
QUANTITY_UNITS = "亿万千百元年月日个倍项家条次名人%"

# Front/back matter (“前言”, “参考文献”) stands alone: it closes every open heading and is
# closed by the next heading of any rank.
STANDALONE_RANK = 0

# Ranks are intrinsic (a chapter is always above a “（一）” item); the section path is a
# stack where a heading closes every open heading of the same or a lower rank.
_PATTERNS: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("chapter", 1, re.compile(rf"^第[{CN_NUMERAL}\d]{{1,4}}[章篇部分编]")),
    ("part", 1, re.compile(r"^(?:PART|Part|CHAPTER|Chapter)\s+[\dIVX]{1,4}\b")),
    ("bilingual", 1, re.compile(r"^[A-Z][A-Z &'-]{2,40}\s*\|\s*[\u4e00-\u9fff]")),
    ("section", 2, re.compile(rf"^第[{CN_NUMERAL}\d]{{1,4}}节")),
    ("cn_numbered", 2, re.compile(rf"^[{CN_NUMERAL}]{{1,3}}\s*(?:、|\s\|\s|\|)\s*\S")),
    ("cn_parenthesised", 3, re.compile(rf"^[（(]\s*[{CN_NUMERAL}]{{1,3}}\s*[）)]\s*\S")),
    # “1.1 …” must be tried before “1. …”; years (“2022.”) and decimals (“3.5”) are excluded.
    ("decimal_numbered", 5, re.compile(rf"^(?:[1-9]\d?)(?:\.[1-9]\d?){{1,3}}\.?\s*[^\d\s.%{QUANTITY_UNITS}]")),
    ("numbered", 4, re.compile(rf"^(?:[1-9]|[12]\d)\s*[.．、](?!\d)\s*[^\d\s.%、{QUANTITY_UNITS}]")),
)
# Front and back matter that stands alone on a line: “前言”, “参考文献”, “Abstract”.
_LABEL = re.compile(
    r"^(?:前言|序言|序|引言|导言|摘要|目录|结语|结束语|结论|后记|致谢|附录|注释|参考文献|"
    r"foreword|preface|introduction|abstract|contents|conclusions?|references|bibliography|"
    r"acknowledge?ments|appendix|notes)$",
    re.IGNORECASE,
)
_MARKDOWN = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*\s*$")
# A heading is a title, not a sentence: these endings mark body text or list items.
_SENTENCE_END = re.compile(r"[。；;，,、：:]$|[.!?](?<![A-Za-z]\.)$")
_INNER_SENTENCE = re.compile(r"[。；！？]\S")
# A clause of one or two characters after the last comma is a sentence cut by the line end
# (“1.有各自监管要求，包” + “括通信安全…”), not a heading such as “加强合作，推动发展”.
_BROKEN_TAIL = re.compile(r"[，,][^，,]{1,2}$")


@dataclass(frozen=True)
class HeadingMatch:
    kind: str
    rank: int
    text: str


class HeadingDetector:
    """Decides whether one line (already stripped) is a heading, from its pattern alone.

    Contextual headings (an unnumbered short line between paragraphs) are decided by the
    cleaner, which sees the neighbouring lines.
    """

    def __init__(self, *, max_chars: int = 50):
        if max_chars < 5:
            raise ValueError(f"max_chars must be at least 5, got {max_chars}")
        self.max_chars = max_chars

    def match(self, line: str) -> HeadingMatch | None:
        line = line.strip()
        if not line:
            return None
        markdown = _MARKDOWN.match(line)
        if markdown:
            return HeadingMatch("markdown", len(markdown.group(1)), markdown.group(2))
        if _LABEL.match(line):
            return HeadingMatch("label", STANDALONE_RANK, line)
        if (
            len(line) > self.max_chars
            or _SENTENCE_END.search(line)
            or _INNER_SENTENCE.search(line)
            or _BROKEN_TAIL.search(line)
        ):
            return None
        for kind, rank, pattern in _PATTERNS:
            if pattern.match(line):
                return HeadingMatch(kind, rank, line)
        return None

    def config(self) -> dict:
        return {"max_chars": self.max_chars}
