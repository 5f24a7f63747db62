"""Tables as self-describing rows, on the tables of the five reports."""

from __future__ import annotations

import pytest

from ingest.table_rows import Record, RowKeys, column_groups, keyed_rows, split_cells

# 000, table 1 (after the cleaner joined “排 名”): two column groups side by side.
RANKING = [
    "排名\t企业名称\t\t排名\t企业名称",
    "1\t苹果\t\t11\t阿里巴巴",
    "2\t微软\t\t12\t因特尔",
    "3\t三星\t\t13\t软银",
]


def test_cells_keep_their_columns():
    assert split_cells("1\t苹果\t\t11\t阿里巴巴") == ["1", "苹果", "", "11", "阿里巴巴"]


def test_repeated_labels_are_column_groups():
    assert column_groups(["排名", "企业名称", "", "排名", "企业名称"]) == [[0, 1], [3, 4]]
    assert column_groups(["年份", "国家", "年份"]) == [[0, 1, 2]]
    assert column_groups(["时间", "主办国", "主要行动"]) == [[0, 1, 2]]


def test_side_by_side_groups_become_records_in_reading_order():
    assert keyed_rows(RANKING) == [
        Record(1, "排名 1，企业名称 苹果"),
        Record(2, "排名 2，企业名称 微软"),
        Record(3, "排名 3，企业名称 三星"),
        Record(1, "排名 11，企业名称 阿里巴巴"),
        Record(2, "排名 12，企业名称 因特尔"),
        Record(3, "排名 13，企业名称 软银"),
    ]


def test_empty_cells_are_left_out_and_a_repeated_header_is_skipped():
    lines = ["Country\tYear\tValue", "China\t\t3.5", "Country\tYear\tValue", "Japan\t2020\t1.2"]
    assert [record.text for record in keyed_rows(lines)] == [
        "Country China; Value 3.5",
        "Country Japan; Year 2020; Value 1.2",
    ]


@pytest.mark.parametrize(
    "lines",
    [
        # 000, the table of contents: page numbers are no header.
        ["一、数字技术在疫情间发挥重要作用\t01", "(一) 疫情防治中的数字技术亮点\t01"],
        ["排名\t企业名称"],  # a header without rows
        ["排名 企业名称", "1 苹果"],  # no tabs
        ["排名\t企业名称", "1 苹果"],  # a row without tabs
        ["名称\t", "苹果"],  # a single label
        ["排名\t企业名称", "1\t苹果\t美国"],  # a cell under no label would be lost
        ["排名\t" + "很长的列名" * 5, "1\t苹果"],
    ],
)
def test_what_is_not_a_keyed_table(lines):
    assert keyed_rows(lines) is None


def test_row_keys_run_in_order():
    keys = RowKeys()
    # 001, table 2: “2” alone on its line (taken for a page number), “3 知识产权保护”.
    assert keys.starts_row("1 数据流动与管理")
    assert not keys.starts_row("跨境数据流动、数据储存本地化、")
    assert keys.starts_row("2", alone=True)
    assert keys.starts_row("3 知识产权保护")
    assert not keys.starts_row("5 配套制度")  # out of order
    assert not keys.starts_row("12", alone=True)  # a page number


def test_years_open_rows_but_a_year_before_a_number_does_not():
    keys = RowKeys()
    assert not keys.starts_row("2021", alone=True)  # a lone number opens no table
    assert keys.starts_row("2019 G20 大阪数字经济宣言")
    assert keys.starts_row("2021", alone=True)
    assert not keys.starts_row("2018 阿根廷")  # earlier than the last year
    assert not keys.starts_row("2022 16 完成")  # 001, table 3: year, members, status
