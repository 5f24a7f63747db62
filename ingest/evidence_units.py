"""Evidence units: the sentences, list items, table rows and cover facts an answer can cite.

Every unit is an exact span of the cleaned document text (``document.text[start:end] == text``)
with its section path and a ``kind``. Kinds that can be an answer: ``sentence``, ``list_item``,
``table_row``, ``front_matter``. Kinds that never are: ``heading``, ``caption`` (表1 …, 图2 …),
``source_note`` (来源：…, 注：…) and ``toc`` (table-of-contents lines). A heading or sentence
that introduces a list is the ``lead`` of its items, so selecting the lead can bring the items
(``一是…二是…``, ``（一）…``, ``1. …``, ``第一，…``, ``首先…其次…``, and numbered sub-headings).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from ingest.document import Chunk, Document
from ingest.heading_detector import HeadingDetector
from ingest.sentence_splitter import split_clauses, split_sentences

ANSWER_KINDS = frozenset({"sentence", "list_item", "table_row", "front_matter"})
KINDS = ANSWER_KINDS | {"heading", "caption", "source_note", "toc"}

_CN = "一二三四五六七八九十"
# Enumeration markers at the start of a unit, with the "family" that items of one list share.
_ENUMERATIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("shi", re.compile(rf"^(?:[{_CN}]是|最后是)")),
    ("di", re.compile(rf"^第[{_CN}]{{1,2}}[，,、：:]")),
    ("order", re.compile(r"^(?:首先|其次|再次|此外|最后)[，,]")),
    ("paren", re.compile(rf"^[（(][{_CN}\d]{{1,2}}[）)]")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]")),
    ("arabic", re.compile(r"^\d{1,2}\s*[.．、](?!\d)")),
    ("cn_comma", re.compile(rf"^[{_CN}]{{1,3}}、")),
)
_FIRST_ITEM = re.compile(rf"^(?:一是|第一[，,、：:]|首先[，,]|[（(][一1][）)]|①|1\s*[.．、](?!\d)|一、)")
# A lead that opens its list itself: "…三对关系：一是…", "…较大局限性，一是…" (3 lists in the library).
_INLINE_FIRST = re.compile(r"[：:]\s*(?:一是|第一[，,、]|首先[，,]|[（(][一1][）)]|①)|[，,]\s*一是")
# The opening phrase of a paragraph in a parallel run: "政治层面，…" "经济层面，…" (its last two
# characters are the run's category). The library's three runs open with 4 to 13 characters
# ("政治层面，", "从对数字前沿技术的利用来看，"); up to 14 finds no other run in it.
_PARALLEL_OPENER = re.compile(r"^([^，,。：:；;\s]{3,14})[，,]")
_MIN_PARALLEL = 3
_CAPTION = re.compile(r"^(?:表|图|Figure|Fig\.|Table)\s*\d+(?:[-.]\d+)?(?:[:：\s]|$)")
_SOURCE_NOTE = re.compile(r"^(?:资料|数据)?来源[：:]|^注[：:]|^(?:Source|Note)s?:", re.IGNORECASE)
# A reference-list or footnote line: "- 20、SCHUMAN Associates, …", "6 联合国贸发会议，《…》", or any URL.
_REFERENCE = re.compile(r"^[-–•]?\s*\d{1,3}\s*[、.．]?\s*(?:[A-Z][A-Za-z]|[\u4e00-\u9fff]{2,12}[，,]\s*[《“\"])|https?://|www\.")
_TOC = re.compile(r"(?:[\t|]\s*\d{1,3}|[.…·]{3,}\s*\d{1,3})\s*$")
_FRONT_LABEL = re.compile(r"_{3,}\s*$")
# A cell of a table row written as "key value" cells ("排名 11，企业名称 阿里巴巴").
_KEYED_CELL = re.compile(r"^([^，,\s]{1,12}) [^，,]{1,40}$")


@dataclass(frozen=True)
class EvidenceUnit:
    """One citable span. ``unit_id`` is ``{doc_id}:{start}-{end}``; ``lead`` is the ``unit_id``
    of the sentence or heading that introduces the list this unit is an item of."""

    unit_id: str
    doc_id: str
    start: int
    end: int
    text: str
    kind: str
    section: str = ""
    lead: str | None = None
    paragraph: int = 0  # ordinal of the line (paragraph) of the cleaned text the unit lies in
    context: str = ""  # read with the unit but not part of it: a table row's caption

    @property
    def embedding_text(self) -> str:
        """What the unit's vector is computed from: its context, then its text."""
        return f"{self.context}\n{self.text}" if self.context else self.text

    @property
    def answerable(self) -> bool:
        return self.kind in ANSWER_KINDS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceUnit:
        return cls(**data)


class EvidenceSegmenter:
    """Splits a cleaned document into evidence units.

    Args:
        max_unit_chars: longer sentences are cut at clause marks (a claim stays readable and a
            citation stays narrow).
        front_matter_chars: how far into the document cover facts (publisher, authors, date) are
            looked for when no heading marks the start of the body.
    """

    VERSION = 5

    def __init__(self, *, max_unit_chars: int = 220, front_matter_chars: int = 1500):
        if max_unit_chars < 40:
            raise ValueError(f"max_unit_chars must be at least 40, got {max_unit_chars}")
        if front_matter_chars < 0:
            raise ValueError(f"front_matter_chars must not be negative, got {front_matter_chars}")
        self.max_unit_chars = max_unit_chars
        self.front_matter_chars = front_matter_chars
        self._headings = HeadingDetector()

    def config(self) -> dict[str, Any]:
        return {"version": self.VERSION, "max_unit_chars": self.max_unit_chars,
                "front_matter_chars": self.front_matter_chars}

    def segment(self, document: Document, chunks: Sequence[Chunk] = ()) -> list[EvidenceUnit]:
        """The units of ``document`` in reading order; sections come from the chunks."""
        text = document.text
        sections = sorted((c.start, c.end, c.section) for c in chunks)
        starts = [s[0] for s in sections]

        def section_at(offset: int) -> str:
            i = bisect.bisect_right(starts, offset) - 1
            return sections[i][2] if i >= 0 and sections[i][1] > offset else ""

        spans: list[tuple[int, int, str]] = []  # (start, end, kind)
        body_start = self._body_start(text)
        spans.extend(self._front_matter(text, body_start))
        lines = _lines(text, body_start, len(text))
        rows = _keyed_rows([text[s:e] for s, e in lines])
        captions = {lines[i][0]: caption for i, caption in rows.items() if caption}  # row start -> caption
        for i, (line_start, line_end) in enumerate(lines):
            line = text[line_start:line_end]
            kind = "table_row" if i in rows else self._line_kind(line)
            if kind is not None:
                spans.append((line_start, line_end, kind))
                continue
            for s, e in split_sentences(text, line_start, line_end):
                for cs, ce in split_clauses(text, s, e, self.max_unit_chars) if e - s > self.max_unit_chars else [(s, e)]:
                    spans.append((cs, ce, "sentence"))
        line_starts = [s for s, _ in _lines(text, 0, len(text))]
        units = [
            EvidenceUnit(f"{document.doc_id}:{s}-{e}", document.doc_id, s, e, text[s:e], kind, section_at(s),
                         paragraph=bisect.bisect_right(line_starts, s) - 1, context=captions.get(s, ""))
            for s, e, kind in spans if text[s:e].strip()
        ]
        return _link_lists(units, text)

    def _line_kind(self, line: str) -> str | None:
        """The kind of a whole line that is not body text, else ``None``."""
        stripped = line.strip()
        if _TOC.search(stripped):
            return "toc"
        if _CAPTION.match(stripped):
            return "caption"
        if _SOURCE_NOTE.match(stripped) or _REFERENCE.search(stripped):
            return "source_note"
        if self._headings.match(stripped) is not None and not re.search(r"[。；！？]", stripped[:-1]):
            return "heading"
        if len(_row_keys(stripped) or ()) >= 3:  # three key-value cells are a row on their own
            return "table_row"
        return None

    def _body_start(self, text: str) -> int:
        """Where the body begins: the first heading ("前言", "FOREWORD | 前言", "一、…") within
        ``front_matter_chars``, else the first long paragraph."""
        limit = min(len(text), self.front_matter_chars)
        lines = _lines(text, 0, limit)
        for start, end in lines:
            line = text[start:end].strip()
            if len(line) <= 40 and self._headings.match(line) is not None and not _TOC.search(line):
                return start
        for start, end in lines:
            if _is_prose(text[start:end]):
                return start
        return limit

    @staticmethod
    def _front_matter(text: str, end: int) -> list[tuple[int, int, str]]:
        """Cover lines, a label line ("出品方 _____") joined with the lines it labels."""
        spans: list[tuple[int, int, str]] = []
        open_label: tuple[int, int] | None = None
        for start, stop in _lines(text, 0, end):
            line = text[start:stop]
            if _is_prose(line):
                if open_label is not None:
                    spans.append((*open_label, "front_matter"))
                    open_label = None
                spans.extend((s, e, "sentence") for s, e in split_sentences(text, start, stop))
            elif _FRONT_LABEL.search(line):
                if open_label is not None:
                    spans.append((*open_label, "front_matter"))
                open_label = (start, stop)
            elif open_label is not None:
                open_label = (open_label[0], stop)
            else:
                spans.append((start, stop, "front_matter"))
        if open_label is not None:
            spans.append((*open_label, "front_matter"))
        return spans


def _is_prose(line: str) -> bool:
    return len(line) >= 60 and bool(re.search(r"[。.]", line))


def _keyed_rows(lines: list[str]) -> dict[int, str]:
    """Lines of key-value cells that have a neighbour with the same keys (a table written one
    record per line, see ``ingest.table_rows``), each with its table's caption: the line before
    the table when it is one ("表 1:…"), else ""."""
    keys = [_row_keys(line) for line in lines]
    rows: dict[int, str] = {}
    i = 0
    while i < len(lines):
        end = i + 1
        while keys[i] is not None and end < len(lines) and keys[end] == keys[i]:
            end += 1
        if end - i >= 2:
            before = lines[i - 1].strip() if i else ""
            rows.update(dict.fromkeys(range(i, end), before if _CAPTION.match(before) else ""))
        i = end
    return rows


def _row_keys(line: str) -> tuple[str, ...] | None:
    """The keys of a line of two or more "key value" cells, else ``None``."""
    cells = re.split(r"[，,] ?", line.strip())
    if len(cells) < 2:
        return None
    matches = [_KEYED_CELL.match(cell) for cell in cells]
    return tuple(m.group(1) for m in matches) if all(matches) else None


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-blank lines of ``text[start:end]`` as whitespace-trimmed spans."""
    spans = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        raw = match.group()
        stripped = raw.strip()
        if stripped:
            s = start + match.start() + (len(raw) - len(raw.lstrip()))
            spans.append((s, s + len(stripped)))
    return spans


def _family(text: str) -> str | None:
    for family, pattern in _ENUMERATIONS:
        if pattern.match(text):
            return family
    return None


def _link_lists(units: list[EvidenceUnit], text: str) -> list[EvidenceUnit]:
    """Mark enumerations: items get ``kind="list_item"`` (or stay headings) and their ``lead``."""
    out = list(units)
    i = 0
    while i < len(out):
        unit = out[i]
        inline = unit.kind == "sentence" and _INLINE_FIRST.search(unit.text)
        if _FIRST_ITEM.match(unit.text.strip()) or inline:
            family = _family(unit.text[inline.start() + 1 :].strip() if inline else unit.text.strip())
            lead = unit if inline else _lead_before(out, i)
            items = [i] if not inline else []
            j = i + 1
            while j < len(out) and family is not None:
                candidate = out[j]
                if candidate.kind in ("caption", "source_note", "toc"):
                    j += 1
                    continue
                cand_family = _family(candidate.text.strip())
                if cand_family == family and _FIRST_ITEM.match(candidate.text.strip()):
                    break  # "第一，" again starts a list of its own (doc 004: three lists had merged)
                if cand_family == family:
                    items.append(j)
                elif candidate.kind == "heading" and unit.kind == "heading":
                    break  # a heading of another numbering closes a list of headings
                elif candidate.kind == "heading" or (family == "shi" and cand_family is None and _is_new_paragraph(text, out[j - 1], candidate)):
                    break
                j += 1
            if lead is not None and (len(items) >= 2 or (inline and items)):
                for k in items:
                    out[k] = replace(out[k], kind=out[k].kind if out[k].kind == "heading" else "list_item",
                                     lead=lead.unit_id)
        i += 1  # on from the next unit, not the last item: lists nest (一是 inside a （一） section)
    return _link_parallel(out)


def _link_parallel(units: list[EvidenceUnit]) -> list[EvidenceUnit]:
    """Mark runs of consecutive paragraphs that open in parallel ("政治层面，…" "经济层面，…"
    "法律层面，…"), with no ordinal marker: each opening sentence is an item of a list led by
    the unit before the run."""
    out = list(units)
    heads = {i: match.group(1) for i, u in enumerate(out)  # paragraph-opening sentences -> opening phrase
             if u.kind == "sentence" and u.lead is None and (i == 0 or out[i - 1].paragraph != u.paragraph)
             and (match := _PARALLEL_OPENER.match(u.text.strip()))}
    run: list[int] = []
    for i in [*heads, None]:
        if run and (i is None or heads[i][-2:] != heads[run[0]][-2:] or out[i].paragraph != out[run[-1]].paragraph + 1):
            lead = _lead_before(out, run[0])
            if len(run) >= _MIN_PARALLEL and len({heads[k] for k in run}) == len(run) and lead is not None:
                for k in run:
                    out[k] = replace(out[k], kind="list_item", lead=lead.unit_id)
            run = []
        if i is not None:
            run.append(i)
    return out


def _lead_before(units: list[EvidenceUnit], i: int) -> EvidenceUnit | None:
    """The unit introducing the list starting at ``units[i]``: for numbered sub-headings, their
    parent heading; otherwise the previous unit that is not a caption or note."""
    if units[i].kind == "heading":
        family = _family(units[i].text.strip())
        for k in range(i - 1, -1, -1):
            if units[k].kind == "heading" and _family(units[k].text.strip()) != family:
                return units[k]
        return None
    for k in range(i - 1, max(-1, i - 4), -1):
        if units[k].kind not in ("caption", "source_note", "toc"):
            return units[k]
    return None


def _is_new_paragraph(text: str, previous: EvidenceUnit, unit: EvidenceUnit) -> bool:
    return "\n" in text[previous.end : unit.start]
