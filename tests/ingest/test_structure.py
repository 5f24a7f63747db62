"""Heading patterns, section paths and titles."""

from __future__ import annotations

import pytest

from ingest.heading_detector import HeadingDetector
from ingest.structure import Heading, build_sections, detect_title


@pytest.mark.parametrize(
    ("line", "rank"),
    [
        ("第一章：数字全球化及全球治理新挑战", 1),
        ("第三节 数据跨境流动", 2),
        ("PART 1", 1),
        ("FOREWORD | 前言", 1),
        ("一、全球数字治理的背景和概念体系", 2),
        ("一 | 疫情防治中的数字技术亮点", 2),
        ("（一）数字化驱动的新一轮全球化席卷而来", 3),
        ("(二) 疫中保障社会运转的稳定器", 3),
        ("1.顶层设计和政策协调加快推进", 4),
        ("2. Trade rules", 4),
        ("1.1 背景", 5),
        ("2.3.1 Data flows", 5),
        ("## 数字贸易", 2),
        ("前言", 0),
        ("参考文献", 0),
        ("References", 0),
    ],
)
def test_headings(line, rank):
    match = HeadingDetector().match(line)
    assert match is not None and match.rank == rank


@pytest.mark.parametrize(
    "line",
    [
        "2022. 全年数字贸易增长",  # a year, not heading 2022
        "3.5 亿元的投资",  # a decimal quantity
        "2.5%的增长",
        "1. 我们认为，数据很重要。",  # a numbered sentence in a list
        "一、数字经济发展迅速，各国纷纷出台政策，",  # ends mid-sentence
        "1 号”海底电缆项目已经投入运营",
        "10 余条国际海缆",
        "一是数字服务贸易快速发展。",
        "当前，数字经济已经成为全球经济增长的重要动力源。",
        "（一）" + "很长的标题" * 12,  # far too long for a heading
        "1.有各自监管要求，包",  # 001: a table cell cut after a comma (“包” + “括通信…”)
    ],
)
def test_false_headings(line):
    assert HeadingDetector().match(line) is None


def test_section_paths_follow_the_heading_ranks():
    parts = ["二、全球数字治理议题进展", "正文一。", "（一）数据跨境流动", "正文二。", "（二）人工智能", "正文三。", "三、机制", "正文四。"]
    text = "\n\n".join(parts)
    headings = []
    for part, rank in zip(parts[::2], (2, 3, 3, 2)):
        start = text.index(part)
        headings.append(Heading(start, start + len(part), rank, part))
    sections = build_sections("前文。\n\n" + text, [Heading(h.start + 5, h.end + 5, h.rank, h.text) for h in headings])
    assert [(s.path, ("前文。\n\n" + text)[s.start : s.end]) for s in sections] == [
        ("", "前文。"),
        ("二、全球数字治理议题进展", "正文一。"),
        ("二、全球数字治理议题进展 > （一）数据跨境流动", "正文二。"),
        ("二、全球数字治理议题进展 > （二）人工智能", "正文三。"),
        ("三、机制", "正文四。"),
    ]


def test_front_matter_stands_alone():
    text = "前言\n\n序文。\n\n一、总论\n\n正文。\n\n（一）分论\n\n细节。\n\n参考文献\n\n文献。"
    ranks = {"前言": 0, "一、总论": 2, "（一）分论": 3, "参考文献": 0}
    headings = [Heading(text.index(t), text.index(t) + len(t), r, t) for t, r in ranks.items()]
    assert [s.path for s in build_sections(text, headings)] == ["前言", "一、总论", "一、总论 > （一）分论", "参考文献"]


def test_title_is_the_first_short_line_skipping_front_matter_labels():
    assert detect_title("前言\n\n数字经济报告\n\n正文。", [], fallback="x") == "数字经济报告"
    assert detect_title("“一带一路”数字经济合作的进展*\n\n正文。", [], fallback="x") == "“一带一路”数字经济合作的进展"
    assert detect_title("当前，数字经济已经成为全球经济增长的重要动力源，各国纷纷出台政策。", [], fallback="stem") == "stem"
