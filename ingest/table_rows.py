"""Table rows that stand on their own.

A PDF table extracted with tabs between its cells (“排 名\t企业名称\t\t排 名\t企业名称”) reads
as a grid only with its header in view; once chunked, a row such as “11 | 阿里巴巴” has lost
what its numbers mean. ``keyed_rows`` writes every record as one line that names its columns
(“排名 11，企业名称 阿里巴巴”), so any chunk holding the line answers on its own. Side-by-side
column groups — a long list printed in two halves next to each other, whose header repeats
(“排名 企业名称 | 排名 企业名称”) — are split into their records and given in reading order:
the whole first group top to bottom, then the second.

A table printed one cell per line has no tabs to tell its cells apart; ``RowKeys`` finds at
least where its rows start, from their keys (row numbers, years).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

# A header cell is a short label, never a number (“01” ends a table of contents line).
_MAX_HEADER_CHARS = 20
_NUMBER = re.compile(r"^[-+]?[\d.,%]+$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def split_cells(line: str) -> list[str]:
    """The cells of one tab-separated line; consecutive tabs keep their empty cell, so that
    cells stay in their columns."""
    return [cell.strip() for cell in line.split("\t")]


def column_groups(header: Sequence[str]) -> list[list[int]]:
    """The column positions of each record in a row: one group of every labelled column, or
    several when the labels repeat side by side (empty gap columns belong to none)."""
    labelled = [position for position, label in enumerate(header) if label]
    labels = [header[position] for position in labelled]
    for width in range(1, len(labels) // 2 + 1):
        if len(labels) % width == 0 and labels == labels[:width] * (len(labels) // width):
            return [labelled[start : start + width] for start in range(0, len(labelled), width)]
    return [labelled]


class Record(NamedTuple):
    """One record: ``line`` is the index in the table's lines of the line it came from."""

    line: int
    text: str


def keyed_rows(lines: Sequence[str]) -> list[Record] | None:
    """Each record of a tab-separated table (header line first) as “label value，label value”,
    or ``None`` when ``lines`` do not look like one: every line must hold tabs, the header's
    cells must be short non-numeric labels, and every non-empty cell must sit under a label
    (nothing may be lost)."""
    if len(lines) < 2 or not all("\t" in line for line in lines):
        return None
    header, *body = (split_cells(line) for line in lines)
    labels = [label for label in header if label]
    if len(labels) < 2 or any(len(label) > _MAX_HEADER_CHARS or _NUMBER.match(label) for label in labels):
        return None
    groups = column_groups(header)
    covered = {position for group in groups for position in group}
    if any(cell and position not in covered for row in body for position, cell in enumerate(row)):
        return None
    separator = "，" if any(_CJK.search(label) for label in labels) else "; "
    records: list[Record] = []
    for group in groups:
        for number, row in enumerate(body, start=1):
            if row == header:  # the header repeated at the top of a new page
                continue
            pairs = [(header[position], row[position]) for position in group if position < len(row) and row[position]]
            if pairs:
                records.append(Record(number, separator.join(f"{label} {value}" for label, value in pairs)))
    return records


_ROW_NUMBER = re.compile(r"^(\d{1,2})(?:\s+\D|$)")
# A year followed by a number (“2007 16 完成”) is a cell of a row, not its key.
_ROW_YEAR = re.compile(r"^((?:19|20)\d{2})(?:\s+\D|$)")


class RowKeys:
    """Tells which lines of a table printed one cell per line open a row: a line starting
    with the next row number (“1 数据流动与管理”, then “2”, “3 …”) or with a year no earlier
    than the last (“2016 中国”, “2021”). Keys must run in order, so a page number or a
    quantity at a line start is no key. ``alone``: the line holds nothing but the key (such
    lines were taken for page numbers, and are keys only when in sequence)."""

    def __init__(self) -> None:
        self.number = 0
        self.year = 0

    def starts_row(self, line: str, *, alone: bool = False) -> bool:
        number = _ROW_NUMBER.match(line)
        if number and int(number.group(1)) == self.number + 1 and (self.number or not alone):
            self.number += 1
            return True
        year = _ROW_YEAR.match(line)
        if year and int(year.group(1)) >= self.year and (self.year or not alone):
            self.year = int(year.group(1))
            return True
        return False
