"""Turn text extracted from PDFs back into readable paragraphs.

The reports in the library were extracted line by line from PDFs, which leaves: hard line
breaks in the middle of sentences (often with a blank line after every line), page numbers
and running headers, footnote blocks in the middle of a paragraph, spaced-out headings
(“前  言”), full-width Latin letters and digits, and chart labels. ``TextCleaner`` removes
these artifacts line by line, re-joins paragraphs and records where headings and pages are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ingest.document import Page
from ingest.footnote_marks import FOOTNOTE_MARKS
from ingest.heading_detector import QUANTITY_UNITS, STANDALONE_RANK, HeadingDetector
from ingest.structure import Heading
from ingest.table_rows import RowKeys, keyed_rows

# Bump whenever the same input would give a different text (it is part of ``config()``, so
# the index manifest then asks for a rebuild). 2: footnote marks as superscripts, pull-quotes
# dropped, single-spaced table headers, HTML entities. 3: tab-separated tables as keyed rows,
# one-cell-per-line tables kept apart from the prose.
CLEANER_VERSION = "3"

# --- characters ------------------------------------------------------------------------

# Chinese full-width punctuation stays (it is correct Chinese); full-width Latin letters,
# digits and symbols become ASCII.
_KEPT_FULL_WIDTH = set("！，（）：；？")
_WIDTH_TABLE = {
    code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F) if chr(code) not in _KEPT_FULL_WIDTH
}
_WIDTH_TABLE.update({0x3000: " ", 0x00A0: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x202F: " "})
_WIDTH_TABLE.update({code: None for code in (0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)})
_WIDTH_TABLE.update({code: None for code in range(0x20) if code not in (0x09, 0x0A, 0x0C)})
_WIDTH_TABLE[0x7F] = None


# HTML entities left by converters (“Jia, K., &amp; Chen, S.”); only the common ones, so
# that text about HTML keeps its other “&name;” sequences.
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&apos;": "'", "&nbsp;": " "}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))


def normalize_characters(text: str) -> str:
    """Unify line ends, full-width ASCII to half-width, odd spaces to spaces, drop invisible
    characters; Chinese full-width punctuation (，。：（）…) is kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ENTITY.sub(lambda m: _ENTITIES[m.group()], text)
    return text.translate(_WIDTH_TABLE)


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# “前  言”, “执 笔”, “安 晓 明”: single CJK characters spread out by the layout.
_SPACED_CJK = re.compile(rf"(?<![{_CJK}])[{_CJK}](?:[ ]+[{_CJK}](?![{_CJK}]))+")


# “（IDC）。 据国际…”: a space after Chinese punctuation is layout, not text.
_SPACE_AFTER_CJK_PUNCTUATION = re.compile(rf"(?<=[。，；：！？、）”])[ ]+(?=[{_CJK}“（])")


def join_spaced_characters(line: str) -> str:
    line = _SPACED_CJK.sub(lambda m: m.group().replace(" ", ""), line)
    return _SPACE_AFTER_CJK_PUNCTUATION.sub("", line)


# --- line classes ------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*\d{1,4}\s*[-–—]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$",
    re.IGNORECASE,
)
# Lines of nothing but numbers: page numbers and the axis labels of charts (“11.4%”, “2015 2016”).
# (The digit is required by a look-ahead: “[…]*\d[…]*$” backtracks quadratically on a long line.)
_NUMERIC_RESIDUE = re.compile(r"^(?=\D*\d)[\d.,%\s\-–—+]*$|^[-–—_=.·•]+$")
_CAPTION = re.compile(
    r"^(?:(?:图|表|Figure|Fig\.|Table)\s*\d|(?:数据|资料)?来源\s*[:：]|(?:Sources?|Note|注)\s*[:：])",
    re.IGNORECASE,
)
_TABLE_ROW = re.compile(r"\t|\S(?: {2,})\S|^\|.*\|$")
# A header row whose cells are separated by single spaces: three or more short Chinese
# labels and nothing else (“时间 主要成果 进展”, “文件名称 核心内容 发布机构”).
_TABLE_HEADER = re.compile(rf"^[{_CJK}]{{2,8}}(?: [{_CJK}]{{2,8}}){{2,}}$")
# Lines that always open a paragraph: list items and labels such as “摘要：”, “Abstract:”.
_LIST_ITEM = re.compile(
    r"^(?:[-*•·▪●]\s+|\(\d{1,2}\)|（\d{1,2}）"
    r"|(?:摘要|关键词|关键字|内容提要|Abstract|Key\s*words|Keywords)\s*[:：])",
    re.IGNORECASE,
)
_FOOTNOTE_START = re.compile(r"^\d{1,3}\s*\S")
_PUNCTUATION = re.compile(r"[，。；：！？,;:!?、/|_@]")
# A paragraph ends after 。！？ (possibly closed by quotes or brackets, possibly followed by a
# footnote mark); an English one after .!? — but not after an initial like “U.S.”.
_PARAGRAPH_CLOSERS = "\"”’」』）)"
_PART = re.compile(r"^(?:PART|Part|CHAPTER|Chapter)\s+[\dIVX]+$")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_TRAILING_MARK = re.compile(rf"(?<=[{_CJK}。，；：、）)”%])(\d{{1,3}})$")
# A footnote number glued into a sentence: “超过 29%1（见图 3）”, “滥杀滥伤风险3；”,
# ““政治化”18。”. After a word that takes a number (“第3，”, “为3。”, “增长3；”) or a unit it is
# a quantity and stays.
_INLINE_MARK = re.compile(
    rf"(?:(?<=%)|(?<=[”{_CJK}])(?<![第为约达至到超近共等是于有占和与及或的了过逾仅长降增减图表章节款{QUANTITY_UNITS}]))"
    r"(\d{1,2})(?=[；。，（：])"
)
# “表 2：WTO 电子商务谈判的主要议题20”: a caption's footnote number at its end.
_CAPTION_MARK = re.compile(rf"(?<=[{_CJK}])\d{{1,2}}$")
_TABLE_CAPTION = re.compile(r"^(?:表|Table)\s*\d", re.IGNORECASE)
# A table printed one cell per line must end on a source note, a footnote block or a heading
# within this many lines; otherwise its end is unknown and its lines stay body text.
_MAX_CELL_TABLE_LINES = 80

# At most this share of a document's lines may be dropped as running headers and footers, or
# as pull-quotes. Measured on the five reports: 0-0.6% of their lines are headers.
MAX_REPEATED_SHARE = 0.5

LineKind = Literal["blank", "text", "heading", "table", "caption", "separator", "noise"]


@dataclass
class _Line:
    text: str
    page: int | None
    kind: LineKind = "text"
    leading_space: bool = False
    blank_before: bool = False
    rank: int = 0
    footnote: bool = False
    cell: bool = False  # a line of a table printed one cell per line
    row_start: bool = False  # a cell line that opens a row with its key (“3 知识产权保护”)


@dataclass
class _Block:
    kind: Literal["paragraph", "heading", "table", "caption", "footnote"]
    lines: list[_Line]
    rank: int = 0


@dataclass
class CleanedText:
    """The cleaned text with the page starts and headings found while cleaning."""

    text: str
    pages: list[Page] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)


class TextCleaner:
    """Clean PDF-extracted report text into paragraphs, headings and table blocks.

    ``rewrap`` says when a line that ends mid-sentence is joined with the next one across
    blank lines: ``"auto"`` decides from the document (hard-wrapped PDF text has most of its
    lines ending mid-sentence), ``"always"``/``"never"`` force it. Lines without a blank line
    between them are always re-joined unless one ends a sentence.
    """

    version = CLEANER_VERSION

    def __init__(
        self,
        *,
        rewrap: Literal["auto", "always", "never"] = "auto",
        repeated_line_min: int = 3,
        heading_detector: HeadingDetector | None = None,
    ):
        if rewrap not in ("auto", "always", "never"):
            raise ValueError(f"rewrap must be 'auto', 'always' or 'never', got {rewrap!r}")
        if repeated_line_min < 2:
            raise ValueError(f"repeated_line_min must be at least 2, got {repeated_line_min}")
        self.rewrap = rewrap
        self.repeated_line_min = repeated_line_min
        self.heading_detector = heading_detector or HeadingDetector()

    def config(self) -> dict:
        return {
            "version": self.version,
            "rewrap": self.rewrap,
            "repeated_line_min": self.repeated_line_min,
            "headings": self.heading_detector.config(),
        }

    def clean(self, source: str | Sequence[str]) -> CleanedText:
        """Clean one document given as a string (form feeds separate pages) or as a list of
        page texts (pages numbered from 1)."""
        if isinstance(source, str):
            pages = source.split("\f")
            numbered = len(pages) > 1
        else:
            pages = list(source)
            numbered = True
        lines = self._split_lines(pages, numbered)
        self._drop_running_headers(lines)
        self._drop_pull_quotes(lines)
        self._classify(lines)
        across_blank = self._rewraps_across_blank_lines(lines)
        blocks = self._assemble(lines, across_blank)
        return self._render(blocks)

    # --- stage 1: lines -------------------------------------------------------------------

    def _split_lines(self, pages: list[str], numbered: bool) -> list[_Line]:
        lines: list[_Line] = []
        blank_before = False
        for number, page in enumerate(pages, start=1):
            for raw in normalize_characters(page).split("\n"):
                raw = raw.replace("**", "")  # Markdown bold left by some converters
                text = join_spaced_characters(raw.strip())
                text = re.sub(r"[ \t]+$", "", text)
                if not text:
                    # A long run of spaces is the rule above a footnote block.
                    kind: LineKind = "separator" if len(raw) >= 20 else "blank"
                    lines.append(_Line("", number if numbered else None, kind))
                    blank_before = True
                    continue
                lines.append(
                    _Line(
                        text,
                        number if numbered else None,
                        leading_space=raw[:1] in (" ", "\t"),
                        blank_before=blank_before,
                    )
                )
                blank_before = False
            blank_before = True  # a page break separates like a blank line
        return lines

    def _drop_running_headers(self, lines: list[_Line]) -> None:
        """Lines repeated on many pages (running headers/footers) are noise, and so is a
        repeated line that sits next to a page number even if it occurs only twice."""
        texts = [line for line in lines if line.kind == "text"]
        counts = Counter(line.text for line in texts if len(line.text) >= 8 and not _CAPTION.match(line.text))
        near_page_number: set[str] = set()
        for index, line in enumerate(texts):
            if self._is_noise(line.text):
                for neighbour in texts[max(0, index - 2) : index + 3]:
                    near_page_number.add(neighbour.text)
        first_text = texts[0] if texts else None
        repeated = [
            line for line in texts
            if line is not first_text and (
                counts.get(line.text, 0) >= self.repeated_line_min
                or (counts.get(line.text, 0) >= 2 and line.text in near_page_number)
            )
        ]
        # Headers and footers are a few lines a page; when repeated lines are most of the text,
        # they are its content (a file of identical lines collapsed to its first one).
        if len(repeated) > MAX_REPEATED_SHARE * len(texts):
            return
        for line in repeated:
            line.kind = "noise"

    @staticmethod
    def _drop_pull_quotes(lines: list[_Line], window: int = 3000) -> None:
        """A whole sentence repeated verbatim from the text just before it is a pull-quote set
        in large type, often in the middle of a sentence (000: “…因出于国家安全” / quote /
        “考虑，宣布禁止…”): drop it so that the sentence joins up again."""
        before = ""
        quotes: list[_Line] = []
        texts = 0
        for line in lines:
            if line.kind != "text":
                continue
            texts += 1
            quote = len(line.text) >= 15 and _ends_paragraph(line.text) and not _CAPTION.match(line.text)
            if quote and line.text in before:
                quotes.append(line)
                continue
            before = (before + line.text)[-window:]
        if len(quotes) <= MAX_REPEATED_SHARE * texts:  # else the repetition is the content
            for line in quotes:
                line.kind = "noise"

    @staticmethod
    def _is_noise(text: str) -> bool:
        return bool(_PAGE_NUMBER.match(text) or _NUMERIC_RESIDUE.match(text))

    # --- stage 2: what each line is ---------------------------------------------------------

    def _classify(self, lines: list[_Line]) -> None:
        in_footnotes = False
        for index, line in enumerate(lines):
            if line.kind == "separator":
                in_footnotes = True
                continue
            if line.kind != "text":
                continue
            if self._is_noise(line.text):
                line.kind = "noise"
                in_footnotes = False  # the page number closes the footnote block
                continue
            if in_footnotes and (line.leading_space or (index and lines[index - 1].page != line.page)):
                in_footnotes = False
            if in_footnotes:
                line.footnote = True
                continue
            if _TABLE_ROW.search(line.text) or _TABLE_HEADER.match(line.text):
                line.kind = "table"
            elif _CAPTION.match(line.text):
                line.kind = "caption"
            else:
                match = self.heading_detector.match(line.text)
                if match:
                    line.kind, line.rank = "heading", match.rank
        self._find_plain_headings(lines)
        self._find_cell_tables(lines)

    def _find_plain_headings(self, lines: list[_Line]) -> None:
        """An unnumbered short line without punctuation, standing between a finished
        paragraph and a long one, is a heading (“共建‘一带一路’数字经济发展成就显著”)."""
        content = [line for line in lines if line.kind in ("text", "heading", "table", "caption")]
        for index, line in enumerate(content):
            if line.kind != "text" or line.footnote or (index and not line.blank_before):
                continue
            text = re.sub(r"[*†‡]+$", "", line.text)
            before = content[index - 1] if index else None
            after = content[index + 1] if index + 1 < len(content) else None
            if before is None and after is not None and after.blank_before:
                # The document's opening line, when short and not a sentence, is its title.
                if len(text) <= 60 and not re.search(r"[。；！？，,;]", text):
                    line.kind, line.rank = "heading", STANDALONE_RANK
                continue
            if len(text) > 30 or _PUNCTUATION.search(text) or _LIST_ITEM.match(text):
                continue
            if after is None or after.kind != "text" or not after.blank_before:
                continue
            if len(after.text) < max(40, 2 * len(line.text)):
                continue
            # After another heading a short line is a byline or subtitle, not a section.
            if before is not None and before.kind != "heading" and _ends_paragraph(before.text):
                line.kind, line.rank = "heading", 1

    @staticmethod
    def _find_cell_tables(lines: list[_Line]) -> None:
        """A table printed one cell per line (001 “表 2：WTO 电子商务谈判的主要议题”: a
        caption, a header row “分类 议题 意义”, then every cell wrapped over lines of its own)
        would be re-joined into one run-on paragraph and glued to the prose after it. Its
        lines become cell lines, but only when the table ends safely, on a source note, a
        footnote block or a heading close enough to be its own end. Row numbers and years
        standing alone on a line (“2”, “2021”), dropped as page numbers, come back as the
        keys that start their rows."""
        index = 0
        while index < len(lines):
            caption = lines[index]
            index += 1
            if caption.kind != "caption" or caption.footnote or not _TABLE_CAPTION.match(caption.text):
                continue
            header_at = next((i for i in range(index, len(lines)) if lines[i].kind not in ("blank", "noise")), None)
            if header_at is None:
                return
            header = lines[header_at]
            if header.kind != "table" or header.footnote or not _TABLE_HEADER.match(header.text):
                continue
            region: list[_Line] = []
            end = header_at + 1
            # Stops once the region is too long to be a table, so that each caption costs at
            # most _MAX_CELL_TABLE_LINES lines (scanning to the end of the text was quadratic).
            while end < len(lines) and len(region) <= _MAX_CELL_TABLE_LINES and (
                lines[end].kind in ("blank", "noise")
                or (lines[end].kind in ("text", "table") and not lines[end].footnote)
            ):
                if lines[end].kind != "blank":
                    region.append(lines[end])
                end += 1
            if end == len(lines) or not region or len(region) > _MAX_CELL_TABLE_LINES:
                continue
            keys = RowKeys()
            for line in region:
                if line.kind == "noise":
                    # Only a bare number can be a row key taken for a page number.
                    if line.text.isdigit() and keys.starts_row(line.text, alone=True):
                        line.kind, line.cell, line.row_start = "table", True, True
                    continue
                line.kind, line.cell, line.row_start = "table", True, keys.starts_row(line.text)
            index = end

    def _rewraps_across_blank_lines(self, lines: list[_Line]) -> bool:
        if self.rewrap != "auto":
            return self.rewrap == "always"
        text_lines = [line for line in lines if line.kind == "text" and not line.footnote]
        followed_by_blank = [
            line for line, after in zip(text_lines, text_lines[1:]) if after.blank_before
        ]
        if len(followed_by_blank) < 5:
            return False
        open_ended = sum(not _ends_paragraph(line.text) for line in followed_by_blank)
        return open_ended / len(followed_by_blank) >= 0.4

    # --- stage 3: blocks --------------------------------------------------------------------

    def _assemble(self, lines: list[_Line], across_blank: bool) -> list[_Block]:
        blocks: list[_Block] = []
        paragraph: list[_Line] = []
        deferred: list[_Block] = []  # footnotes and captions met in the middle of a sentence

        def flush() -> None:
            if paragraph:
                blocks.append(_Block("paragraph", paragraph.copy()))
                paragraph.clear()
            blocks.extend(deferred)
            deferred.clear()

        content = [line for line in lines if line.kind not in ("blank", "separator", "noise")]
        index = 0
        while index < len(content):
            line = content[index]
            index += 1
            if line.footnote:
                if _FOOTNOTE_START.match(line.text) or not deferred or deferred[-1].kind != "footnote":
                    deferred.append(_Block("footnote", [line]))
                else:
                    deferred[-1].lines.append(line)
                continue
            if line.kind == "heading":
                flush()
                heading = _Block("heading", [line], rank=line.rank)
                index = self._extend_heading(heading, content, index)
                blocks.append(heading)
                continue
            if line.kind == "table":
                flush()
                if blocks and blocks[-1].kind == "table":
                    blocks[-1].lines.append(line)
                else:
                    blocks.append(_Block("table", [line]))
                continue
            if line.kind == "caption":
                if paragraph and not _ends_paragraph(paragraph[-1].text):
                    deferred.append(_Block("caption", [line]))
                else:
                    flush()
                    blocks.append(_Block("caption", [line]))
                continue
            # Body text: continue the open paragraph or start a new one.
            if paragraph:
                previous = paragraph[-1]
                if (
                    _ends_paragraph(previous.text)
                    or (line.blank_before and not (across_blank or self._broken_word(previous, line)))
                    or _LIST_ITEM.match(line.text)
                ):
                    flush()
            elif deferred:
                flush()
            paragraph.append(line)
        flush()
        return blocks

    def _broken_word(self, previous: _Line, line: _Line) -> bool:
        """Whether a blank line is a page break inside a paragraph, in a document that is not
        hard-wrapped throughout: the line stops on a comma, between two English words, or a
        full line stops on a CJK character and the next goes on with one (“…提供线” + “上问诊”)."""
        if self.rewrap == "never":
            return False
        last, first = previous.text[-1], line.text[0]
        if last in "，、；,;":  # a paragraph never ends on a comma
            return True
        if last.islower() and first.islower():  # “… for the” + “cross-border …”
            return True
        return len(previous.text) >= 20 and _is_cjk(last) and (_is_cjk(first) or first in "、，。；：")

    def _extend_heading(self, heading: _Block, content: list[_Line], index: int) -> int:
        """Join a heading with its wrapped remainder: “PART 1” + the title under it, or a
        long heading + a short tail (“…防范无序” + “竞争”)."""
        if index >= len(content):
            return index
        first, nxt = heading.lines[0], content[index]
        if nxt.footnote or _PUNCTUATION.search(nxt.text[-1:]):
            return index
        is_part = _PART.match(first.text)
        numbered = nxt.kind == "heading" and self.heading_detector.match(nxt.text)
        if is_part and nxt.kind in ("text", "heading") and len(nxt.text) <= 40 and (
            not numbered or numbered.kind == "label"
        ):
            heading.lines.append(nxt)
            return index + 1
        numbered_heading = self.heading_detector.match(first.text)
        wrapped = numbered_heading is not None and numbered_heading.kind != "label" and _is_cjk(first.text[-1])
        if nxt.kind == "text" and wrapped and len(first.text) >= 16 and len(nxt.text) <= 8:
            heading.lines.append(nxt)
            return index + 1
        return index

    # --- stage 4: text ------------------------------------------------------------------------

    def _render(self, blocks: list[_Block]) -> CleanedText:
        parts: list[str] = []
        pages: list[Page] = []
        headings: list[Heading] = []
        offset = 0

        def mark_page(line: _Line, at: int) -> None:
            if line.page is not None and (not pages or line.page > pages[-1].number):
                pages.append(Page(line.page, at))

        for block in blocks:
            if parts:
                parts.append("\n\n")
                offset += 2
            if block.kind == "table":
                text, anchors = _render_table(block.lines)
                for line, at in anchors:
                    mark_page(line, offset + at)
            elif block.kind == "heading":
                mark_page(block.lines[0], offset)
                text = block.lines[0].text
                for line in block.lines[1:]:
                    text = f"{text} {line.text}" if _PART.match(text) else _join_lines(text, line)
                headings.append(Heading(offset, offset + len(text), block.rank, text))
            else:
                joined = _JoinedLines()
                for line in block.lines:
                    joined.add(line)
                    mark_page(line, offset + max(0, joined.length - len(line.text)))
                text = joined.text()
                if block.kind == "paragraph":
                    text = superscript_footnote_marks(text)  # same length: page offsets hold
                elif block.kind == "caption":
                    text = _CAPTION_MARK.sub(lambda m: m.group().translate(_SUPERSCRIPT), text)
            parts.append(text)
            offset += len(text)
        return CleanedText("".join(parts), pages, headings)


def superscript_footnote_marks(text: str) -> str:
    """Footnote numbers glued into running text become superscripts (“风险³；”), so that they
    neither read as quantities (“29%1”) nor reach the keyword index as numbers."""
    return _INLINE_MARK.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), text)


def _ends_paragraph(text: str) -> bool:
    """Whether ``text`` ends on a sentence stop, possibly closed by quotes or brackets and
    followed by footnote marks. Looks at the end only (a regex search tried every position)."""
    body = text.rstrip(FOOTNOTE_MARKS).rstrip(_PARAGRAPH_CLOSERS)
    if not body:
        return False
    if body[-1] in "。！？!?…":
        return True
    return body[-1] == "." and not (len(body) > 1 and "A" <= body[-2] <= "Z")


def _render_table(lines: list[_Line]) -> tuple[str, list[tuple[_Line, int]]]:
    """A table block's text, one row a line, and where each source line landed (for pages).

    A tab-separated table with a header becomes keyed rows (``ingest.table_rows``); in a
    table printed one cell per line, a cell line goes on the row before it unless it opens
    a row or that row ends a sentence (which cells of one row are which cannot be told);
    other rows keep their cells apart with “ | ”."""
    rows: list[str] = []
    anchors: list[tuple[_Line, int]] = []

    def position() -> int:
        return sum(len(row) + 1 for row in rows)

    records = keyed_rows([line.text for line in lines])
    if records is not None:
        anchors.append((lines[0], 0))
        for record in records:
            anchors.append((lines[record.line], position()))
            rows.append(record.text)
        return "\n".join(rows), anchors
    for index, line in enumerate(lines):
        if line.cell and index and lines[index - 1].cell and not (line.row_start or _ends_paragraph(rows[-1])):
            rows[-1] = _join_lines(rows[-1], line)
            anchors.append((line, position() - 1 - len(line.text)))
            continue
        anchors.append((line, position()))
        rows.append(line.text if line.cell else _table_row(line.text))
    return "\n".join(rows), anchors


def _table_row(text: str) -> str:
    if text.startswith("|"):
        return text
    if _TABLE_HEADER.match(text):
        return text.replace(" ", " | ")
    return re.sub(r"\s*\t\s*|\s{2,}", " | ", text).strip(" |")


def _join_lines(text: str, line: _Line) -> str:
    """``text`` with the wrapped ``line`` appended (see ``_JoinedLines``)."""
    joined = _JoinedLines(text)
    joined.add(line)
    return joined.text()


# What ``_JoinedLines.add`` looks at of the text so far: a footnote number (3 digits) after
# its anchor character, or a hyphen after a letter.
_TAIL_CHARS = 8


class _JoinedLines:
    """Wrapped lines joined into one paragraph: no space between CJK, a space between Latin
    words, and de-hyphenation of “eco-” + “nomy”. A footnote number left at the end of the
    previous line (the next line then starts a new PDF line with a space) becomes a
    superscript. Only the last few characters are ever looked at or changed, so a paragraph of
    n lines costs O(n) (re-scanning the whole paragraph for each line made it quadratic)."""

    def __init__(self, text: str = ""):
        self._parts: list[str] = [text] if text else []
        self.length = len(text)

    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def add(self, line: _Line) -> None:
        nxt = line.text
        if not self._parts:
            self._append(nxt)
            return
        tail = self._pop_tail()
        if line.leading_space and not line.blank_before:
            mark = _TRAILING_MARK.search(tail)
            if mark:
                tail = tail[: mark.start()] + mark.group(1).translate(_SUPERSCRIPT)
        self._append(tail)
        if re.search(r"[A-Za-z]-$", tail) and nxt[:1].islower():
            self._pop_tail(1)
            self._append(nxt)
            return
        last, first = tail[-1:], nxt[:1]
        latin_last = last.isascii() and (last.isalnum() or last in ",.;:!?)%\"'")
        latin_first = first.isascii() and (first.isalnum() or first in "(\"'")
        space = (latin_last and latin_first) or (
            # The break stood for the space between a CJK character and a number or Latin word.
            (latin_last and last.isalnum() and _is_cjk(first)) or (_is_cjk(last) and latin_first and first.isalnum())
        )
        self._append(f" {nxt}" if space else nxt)

    def _append(self, piece: str) -> None:
        if piece:
            self._parts.append(piece)
            self.length += len(piece)

    def _pop_tail(self, chars: int = _TAIL_CHARS) -> str:
        """Take the last ``chars`` characters off the text and return them."""
        taken: list[str] = []
        want = chars
        while want and self._parts:
            part = self._parts.pop()
            if len(part) > want:
                self._parts.append(part[:-want])
                part = part[-want:]
            taken.append(part)
            want -= len(part)
        tail = "".join(reversed(taken))
        self.length -= len(tail)
        return tail


def _is_cjk(char: str) -> bool:
    return bool(char) and bool(re.match(rf"[{_CJK}]", char))
