"""Cleaning PDF-extracted text, on snippets copied verbatim from the five reports."""

from __future__ import annotations

import pytest

from ingest.text_cleaner import (
    TextCleaner,
    join_spaced_characters,
    normalize_characters,
    superscript_footnote_marks,
)

# 001: every line hard-wrapped mid-sentence with a blank line after it, a spaced-out heading.
REPORT_001_OPENING = (
    " 前  言 \n\n当今世界，科技革命和产业变革日新月异，数字经济蓬勃发展，\n\n深刻改变着人类生产生活方式，"
    "对各国经济社会发展、全球治理体系、\n\n人类文明进程影响深远。在经济全球化遭遇逆流，保护主义、单边主\n\n"
    "义上升的背景下，数字化驱动的新一轮全球化仍蓬勃发展，已成为助\n\n力全球经济增长、促进全球交流与合作的重要动能。 \n\n"
    "与此同时，全球数字领域发展不平衡、规则不健全、秩序不合理\n\n等问题日益凸显。 \n"
)

# 001: footnote marks at line ends, a footnote block (rule of spaces, notes, page number)
# in the middle of a sentence that goes on on the next page.
REPORT_001_FOOTNOTES = (
    "进程徘徊不前。国际贸易呈现出疲软态势，2019 年，全球商品贸易\n\n出口额为 18.9 万亿美元，相对 2018 年下降了 2.8%；1\n"
    " 服务贸易出口\n\n额为 6.1 万亿美元，与 2018 年基本持平。跨境资本流动大幅下降，\n\n全球外国直接投资从 2018 年的 1.41 万亿美元降至 2019 年的 1.39 万\n\n"
    "亿美元；2\n 全球跨国并购活动锐减，2019 年全球跨国并购规模总计\n\n4900 亿美元，同比大幅下跌近 40%。3\n 要素的全球流动强度大大削弱，\n\n"
    "商品、服务、资本等传统要素的全球流动总量4\n 占全球 GDP 的比重\n\n从金融危机前 54%的高峰降至 30%左右。2020 年初新冠肺炎疫情全\n\n"
    "球蔓延，世界经济面临深度衰退，国际贸易和资本流动严重萎缩。据\n\n世界贸易组织预测，2020 年世界商品贸易总额预计将下降 13-32％，\n\n"
    "                                                   \n1 世界贸易组织，《2020 年世界贸易统计评论》 \n"
    "2 联合国贸发会议，《2020 年全球投资趋势监测报告》 \n3 数据来源：联合国贸发会议 \n"
    "4 本节均采用出口数据衡量全球商品、服务和资本流动量。 \n 5\n 几乎所有地区的贸易额都会出现两位数下降，世界贸易将陷入历史\n\n"
    "性低谷。联合国贸发会议预测，全球外国直接投资将在 2019 年的基\n\n础上下降近 40%，6\n 滑落到近 20 年以来的最低水平。 \n"
)

# 002: a running header and a page number between two pages.
REPORT_002_PAGE_BREAK = (
    "数字经济工作组，为深化金砖国家数字经济合作奠定制度基础。 \n\n\n\n全球数字治理白皮书（2022 年） \n\n \n\n 31 \n\n"
    "（二）全球数字治理体系联盟化态势增强 \n\n美欧数字领域跨大西洋协调显著增强。一方面，俄乌冲突加快美\n\n"
    "欧政策联动。俄乌冲突爆发后，G7 召开会议明确美欧将加快数字安\n\n全集体行动。 \n\n\n\n全球数字治理白皮书（2022 年） \n\n \n\n 32 \n\n"
    "另一方面，美欧积极建立基于价值观的数字合作伙伴关系。 \n"
)

# 003: the running header lands in the middle of a sentence; a wrapped numbered heading.
REPORT_003_HEADER = "“一带一路”数字经济合作的进展、挑战与应对"
REPORT_003_TEXT = (
    "等平台和机制，在跨境电商、数据产权、数据安全、\n\n数字地址分配、数据交易和流动等相关规则的制定\n\n"
    "中积极争取话语权，发出以中国为代表的发展中国\n\n“一带一路”数字经济合作的进展、挑战与应对\n"
    " 家的声音。二是要加强标准制定的国际合作，减少\n\n数字规则分歧。\n\n"
    "6.加强数字经济合作中的协调统筹，防范无序\n\n竞争\n\n一是要加强企业层面的合作协调，避免无序竞\n\n"
    "争和资源浪费。中国企业要组团“出海”。\n"
)

# 000: a caption and a tab-separated table.
REPORT_000_TABLE = (
    "表 1:2019 年全球数字企业前 20 排名\n\n排 名\t企业名称\t\t排 名\t企业名称\n1\t苹果\t\t11\t阿里巴巴\n"
    "2\t微软\t\t12\t因特尔\n3\t三星\t\t13\t软银\n4\tAlphabet\t\t14\tIBM\n\n"
    "长期来看，人类社会在信息社会和智能社会转型进程中，政策法规、技术标准、市场制度等方面完善的完善将会克服政治博弈挑战，降低交易成本。\n"
)

# 000: paragraphs one per line, but one broken by a page in the middle of a word.
REPORT_000_BROKEN = (
    "疫情动态追踪方面，通过开发软件追踪应用如国内的“健康码”，国外的蓝牙型接触者追踪工具，² 准确及时地追踪个人动态，控制病毒扩散。\n\n"
    "疫情防控方面，国内外多家数字科技企业提供线\n\n上问诊服务，人工智能助力关键场所人群筛查、智能机器人用于自动化巡逻和现场实施监控。\n\n"
    "疫情发布方面，数字经济企业借助大数据、云计算、人工智能等技术搭建多维度的疫情信息平台。\n\n"
    "一 | 疫情防治中的数字技术亮点\n\n此次抗疫战中疫情防控是关键。\n"
)


@pytest.fixture
def cleaner() -> TextCleaner:
    return TextCleaner()


def test_hard_wrapped_lines_rejoin_into_paragraphs(cleaner):
    cleaned = cleaner.clean(REPORT_001_OPENING)
    assert cleaned.text == (
        "前言\n\n"
        "当今世界，科技革命和产业变革日新月异，数字经济蓬勃发展，深刻改变着人类生产生活方式，对各国经济社会发展、"
        "全球治理体系、人类文明进程影响深远。在经济全球化遭遇逆流，保护主义、单边主义上升的背景下，数字化驱动的新一轮"
        "全球化仍蓬勃发展，已成为助力全球经济增长、促进全球交流与合作的重要动能。\n\n"
        "与此同时，全球数字领域发展不平衡、规则不健全、秩序不合理等问题日益凸显。"
    )
    assert [(h.text, h.rank) for h in cleaned.headings] == [("前言", 0)]
    heading = cleaned.headings[0]
    assert cleaned.text[heading.start : heading.end] == "前言"


def test_footnote_block_moves_after_its_paragraph(cleaner):
    text = cleaner.clean(REPORT_001_FOOTNOTES).text
    paragraph, *notes = text.split("\n\n")
    # The sentence interrupted by the footnotes and the page number continues seamlessly.
    assert "预计将下降 13-32%，几乎所有地区的贸易额都会出现两位数下降，世界贸易将陷入历史性低谷。" in paragraph
    # Footnote numbers left at line ends become superscripts; the wrapped number keeps its space.
    assert "下降了 2.8%；¹服务贸易出口额为 6.1 万亿美元" in paragraph
    assert "规模总计 4900 亿美元" in paragraph
    assert "全球流动总量⁴占全球 GDP 的比重" in paragraph
    assert "下降近 40%，⁶滑落到近 20 年以来的最低水平。" in paragraph
    assert notes == [
        "1 世界贸易组织，《2020 年世界贸易统计评论》",
        "2 联合国贸发会议，《2020 年全球投资趋势监测报告》",
        "3 数据来源：联合国贸发会议",
        "4 本节均采用出口数据衡量全球商品、服务和资本流动量。",
    ]
    assert "\n 5" not in text and "\n5\n" not in text


def test_running_header_and_page_numbers_are_dropped(cleaner):
    cleaned = cleaner.clean(REPORT_002_PAGE_BREAK)
    assert "白皮书" not in cleaned.text
    assert "31" not in cleaned.text and "32" not in cleaned.text
    assert cleaned.text.split("\n\n") == [
        "数字经济工作组，为深化金砖国家数字经济合作奠定制度基础。",
        "（二）全球数字治理体系联盟化态势增强",
        "美欧数字领域跨大西洋协调显著增强。一方面，俄乌冲突加快美欧政策联动。俄乌冲突爆发后，G7 召开会议明确美欧将加快数字安全集体行动。",
        "另一方面，美欧积极建立基于价值观的数字合作伙伴关系。",
    ]


def test_header_repeated_in_mid_sentence_is_dropped_and_wrapped_heading_rejoined(cleaner):
    source = f" {REPORT_003_HEADER}*\n\n安 晓 明\n\n" + REPORT_003_TEXT + f"\n{REPORT_003_HEADER}\n\n" * 3
    cleaned = cleaner.clean(source)
    body = cleaned.text
    assert "发出以中国为代表的发展中国家的声音。" in body
    assert body.count(REPORT_003_HEADER) == 1  # only the title at the top
    assert "安晓明" in body
    assert [h.text for h in cleaned.headings] == [
        f"{REPORT_003_HEADER}*",
        "6.加强数字经济合作中的协调统筹，防范无序竞争",
    ]
    assert "一是要加强企业层面的合作协调，避免无序竞争和资源浪费。" in body


def test_tab_separated_table_rows_name_their_columns(cleaner):
    text = cleaner.clean(REPORT_000_TABLE).text
    assert text.split("\n\n") == [
        "表 1:2019 年全球数字企业前 20 排名",
        "排名 1，企业名称 苹果\n排名 2，企业名称 微软\n排名 3，企业名称 三星\n排名 4，企业名称 Alphabet\n"
        "排名 11，企业名称 阿里巴巴\n排名 12，企业名称 因特尔\n排名 13，企业名称 软银\n排名 14，企业名称 IBM",
        "长期来看，人类社会在信息社会和智能社会转型进程中，政策法规、技术标准、市场制度等方面完善的完善将会克服政治博弈挑战，降低交易成本。",
    ]


def test_tab_separated_lines_without_a_header_keep_their_cells_apart(cleaner):
    # 000, the table of contents: page numbers, no header.
    source = "目录\n\n一、数字技术在疫情间发挥重要作用\t01\n(一) 疫情防治中的数字技术亮点\t01\n"
    assert cleaner.clean(source).text.split("\n\n")[1] == (
        "一、数字技术在疫情间发挥重要作用 | 01\n(一) 疫情防治中的数字技术亮点 | 01"
    )


# 001, table 1: caption, single-spaced header, each cell on wrapped lines of its own, a source
# note, then the paragraph after the table.
REPORT_001_CELL_TABLE = (
    " 表 1：G20 框架下的数字经济议题进展 \n\n时间 主办国 主要行动 \n\n2016 中国 \n\n首提数字经济议题，设立数字经济任务组（DETF）； \n\n"
    "提出《G20 数字经济发展与合作倡议》《G20 创新增长蓝\n\n图》 \n\n2017 德国 \n首次设立 G20 数字化部长会议 ；《G20 数字经济部长宣言》\n\n"
    "《G20 数字经济路线图》 \n\n2018 阿根廷 \n重点聚焦数字政府、数字性别鸿沟、基础设施部署和数字\n\n"
    "经济衡量指标上，建立了 G20 数字政策知识库。 \n\n2019 日本 \n《G20 部长会议关于贸易和数字经济的声明》《G20 人工智\n\n"
    "能原则》《大阪数字经济宣言》 \n\n2020 沙特 \n\n计划将 DETF 升级为数字经济工作组； \n\n"
    "OECD 提供了三份 DETF 讨论文件，《G20 数字经济测度路\n\n线图》《测量数据和数据流动方法报告》《人工智能国家政\n\n策案例》 \n\n"
    "来源：课题组整理 \n\n以“G20+”的复合机制灵活推进大国协调。目前 G20 仍坚持非\n\n正式国际机制的总体框架。\n"
)


def test_one_cell_per_line_table_keeps_rows_apart_and_out_of_the_prose():
    text = TextCleaner(rewrap="always").clean(REPORT_001_CELL_TABLE).text
    assert text.split("\n\n") == [
        "表 1：G20 框架下的数字经济议题进展",
        "时间 | 主办国 | 主要行动\n"
        "2016 中国首提数字经济议题，设立数字经济任务组（DETF）；提出《G20 数字经济发展与合作倡议》《G20 创新增长蓝图》\n"
        "2017 德国首次设立 G20 数字化部长会议 ；《G20 数字经济部长宣言》《G20 数字经济路线图》\n"
        "2018 阿根廷重点聚焦数字政府、数字性别鸿沟、基础设施部署和数字经济衡量指标上，建立了 G20 数字政策知识库。\n"
        "2019 日本《G20 部长会议关于贸易和数字经济的声明》《G20 人工智能原则》《大阪数字经济宣言》\n"
        "2020 沙特计划将 DETF 升级为数字经济工作组；OECD 提供了三份 DETF 讨论文件，《G20 数字经济测度路线图》"
        "《测量数据和数据流动方法报告》《人工智能国家政策案例》",
        "来源：课题组整理",
        "以“G20+”的复合机制灵活推进大国协调。目前 G20 仍坚持非正式国际机制的总体框架。",
    ]


# 001, table 2: row numbers, one of them alone on its line (“2”), the table closed by a
# footnote block (rows 3-6 left out here).
REPORT_001_NUMBERED_CELL_TABLE = (
    "表 2：WTO 电子商务谈判的主要议题20\n \n\n 分类 议题 意义 \n\n1 数据流动与管理 \n跨境数据流动、数据储存本地化、\n\n"
    "个人隐私保护、政府数据开放 \n\n数字贸易开展重\n\n要基础 \n\n2 \n数字贸易相关 \n\n税收 \n\n"
    "                                                   \n"
    "19 石静霞，《数字经济背景下的 WTO 电子商务诸边谈判》，载《东方法学》，2020 年 02 期。 \n"
    " （三）亚太经合组织：以“探路者计划”塑造隐私保护规则 \n"
)


def test_row_numbers_open_the_rows_of_a_one_cell_per_line_table():
    text = TextCleaner(rewrap="always").clean(REPORT_001_NUMBERED_CELL_TABLE).text
    assert (
        "分类 | 议题 | 意义\n"
        "1 数据流动与管理跨境数据流动、数据储存本地化、个人隐私保护、政府数据开放数字贸易开展重要基础\n"
        "2 数字贸易相关税收\n\n"
        "19 石静霞"
    ) in text


def test_a_table_without_a_safe_end_stays_body_text():
    # Cut before its source note, the table's end is unknown: its lines are left as they were.
    source = REPORT_001_CELL_TABLE.split("来源")[0]
    text = TextCleaner(rewrap="always").clean(source).text
    assert "\n2017" not in text and "\n2018" not in text


def test_whole_paragraph_lines_keep_paragraphs_but_mend_page_breaks(cleaner):
    cleaned = cleaner.clean(REPORT_000_BROKEN)
    paragraphs = cleaned.text.split("\n\n")
    assert paragraphs[1] == (
        "疫情防控方面，国内外多家数字科技企业提供线上问诊服务，人工智能助力关键场所人群筛查、智能机器人用于自动化巡逻和现场实施监控。"
    )
    assert len(paragraphs) == 5
    assert [(h.text, h.rank) for h in cleaned.headings] == [("一 | 疫情防治中的数字技术亮点", 2)]


def test_english_wrapping_and_dehyphenation(cleaner):
    source = (
        "The digital eco-\nnomy grew by 3.5 percent in the\nU.S. last year.\n\nTrade rules for the\n\n"
        "cross-border data flows are\nbeing written.\n"
    )
    assert cleaner.clean(source).text == (
        "The digital economy grew by 3.5 percent in the U.S. last year.\n\n"
        "Trade rules for the cross-border data flows are being written."
    )


@pytest.mark.parametrize(
    "line",
    ["12", " 8 ", "- 3 -", "— 12 —", "第 3 页", "第3页 共40页", "3 / 40", "Page 7", "page 7 of 40", "11.4%", "2015 2016 2017 2018"],
)
def test_page_numbers_and_chart_labels_are_dropped(cleaner, line):
    source = f"数字经济发展迅速，\n\n{line}\n\n各国加强合作。"
    assert cleaner.clean(source).text == "数字经济发展迅速，各国加强合作。"


def test_full_width_ascii_becomes_half_width_but_chinese_punctuation_stays():
    assert normalize_characters("ＲＣＥＰ　协定于２０２２年生效，（见表１）：好！") == "RCEP 协定于2022年生效，（见表1）：好！"
    assert normalize_characters("增长１３．５％\r\n下一行\u200b") == "增长13.5%\n下一行"


def test_spaced_out_characters_are_joined():
    assert join_spaced_characters("前  言") == "前言"
    assert join_spaced_characters("执 笔 _____") == "执笔 _____"
    assert join_spaced_characters("杨 乐 上海赛博网络安全产业创新研究院 研究员") == "杨乐 上海赛博网络安全产业创新研究院 研究员"
    assert join_spaced_characters("自 2018 年 1 月以来") == "自 2018 年 1 月以来"
    assert join_spaced_characters("中国 - 东盟 合作") == "中国 - 东盟 合作"


def test_pages_are_tracked_from_form_feeds(cleaner):
    cleaned = cleaner.clean("第一页的内容没有结束，\f而是在第二页继续。\f第三页。")
    assert cleaned.text == "第一页的内容没有结束，而是在第二页继续。\n\n第三页。"
    assert [(p.number, p.start) for p in cleaned.pages] == [(1, 0), (2, 11), (3, cleaned.text.index("第三页"))]


def test_cleaner_validates_options():
    with pytest.raises(ValueError, match="rewrap"):
        TextCleaner(rewrap="sometimes")
    with pytest.raises(ValueError, match="repeated_line_min"):
        TextCleaner(repeated_line_min=1)


# 002: footnote numbers glued into the sentence, before Chinese punctuation.
REPORT_002_INLINE_MARKS = (
    "年，流动规模年平均增长速度超 25%，2020 年之后，流动增速持续\n\n稳定在高位，连续两年超过 29%1（见图 3）。 \n\n"
    "数字技术负面效应开始显现。政治安全层面，致命性自主武器加\n\n大战争和冲突几率，增加滥杀滥伤风险3；数字恐怖主义通过加密货币\n\n"
    "筹款、社交网络联络、无人机袭击实施，对国家、社会和个体安全构成巨大挑战。\n"
)


def test_inline_footnote_marks_become_superscripts(cleaner):
    text = cleaner.clean(REPORT_002_INLINE_MARKS).text
    assert "连续两年超过 29%¹（见图 3）。" in text
    assert "增加滥杀滥伤风险³；数字恐怖主义" in text
    assert "超 25%，2020 年之后" in text  # a number after a comma is not a mark


@pytest.mark.parametrize("quantity", ["第3，", "增长3；", "约为12。", "2020年3，", "G20，", "图2（"])
def test_numbers_that_are_quantities_are_not_marks(quantity):
    assert superscript_footnote_marks(f"如上{quantity}其后") == f"如上{quantity}其后"


def test_a_numbered_line_cut_after_a_comma_is_not_a_heading(cleaner):
    # 001, a table cell wrapped line by line: “1.有各自监管要求，包” looked like heading 1.
    source = (
        "计算设施，作为在该领\n\n土内开展业务的条件。\n\n1.有各自监管要求，包\n\n括通信安全和保密要\n\n"
        "求 2.不得以本地化作\n\n为开展业务条件。\n"
    )
    cleaned = cleaner.clean(source)
    assert cleaned.headings == []
    assert "1.有各自监管要求，包括通信安全和保密要求 2.不得以本地化作为开展业务条件。" in cleaned.text


# 000: a pull-quote repeats a sentence of the page in the middle of another sentence.
REPORT_000_PULL_QUOTE = (
    "疫情对民众生命健康形成严峻威胁，对经济发展造成严重损失。国家在抗击疫情中的表现差异很大，抗疫不利、损失惨重的国家开始将国内压力向外转移。\n\n"
    "此外，印度作为TikTok（抖音海外版）的海外最多用户下载量的国家，6月29日因出于国家安全\n\n\n\n"
    "国家在抗击疫情中的表现差异很大，抗疫不利、损失惨重的国家开始将国内压力向外转移。\n\n"
    "考虑，宣布禁止包括TikTok和微信在内的59款中国应用，认为这些应用从事的活动有损印度主权、国防、国家安全和公共秩序。\n"
)


def test_pull_quote_is_dropped_and_the_sentence_joins_up(cleaner):
    text = cleaner.clean(REPORT_000_PULL_QUOTE).text
    assert text.count("国家在抗击疫情中的表现差异很大") == 1
    assert "6月29日因出于国家安全考虑，宣布禁止包括TikTok和微信在内的59款中国应用" in text


def test_a_repeated_source_line_is_not_a_pull_quote(cleaner):
    # 003 cites the same source under two figures.
    source = "图 1 数字服务出口\n\n数据来源：联合国UNCTAD 数据库。\n\n图 2 通信技术商品贸易\n\n数据来源：联合国UNCTAD 数据库。\n"
    assert cleaner.clean(source).text.count("数据来源：联合国UNCTAD 数据库。") == 2


def test_caption_footnote_number_becomes_a_superscript(cleaner):
    text = cleaner.clean("表 2：WTO 电子商务谈判的主要议题20\n\n表 1:2019 年全球数字企业前 20 排名\n").text
    assert text.split("\n\n") == ["表 2：WTO 电子商务谈判的主要议题²⁰", "表 1:2019 年全球数字企业前 20 排名"]


def test_spaces_of_spaced_out_text_after_chinese_punctuation_go():
    # 003: “数 据 中 心（IDC）。 据 国 际 咨 询 机 构 高 德 纳”
    assert join_spaced_characters("数 据 中 心（IDC）。 据 国 际 咨 询 机 构 高 德 纳") == "数据中心（IDC）。据国际咨询机构高德纳"
    assert join_spaced_characters("5G 项目。 The end") == "5G 项目。 The end"


def test_common_html_entities_are_decoded():
    # 002: “6Jia, K., &amp; Chen, S. (2022, September 8).”
    assert normalize_characters("Jia, K., &amp; Chen, S.") == "Jia, K., & Chen, S."
    assert normalize_characters("R&D &copy;") == "R&D &copy;"


# 002: table 3, a header row with single-space cells, then rows wrapped cell by cell.
REPORT_002_TABLE_HEADER = (
    "WTO 等国际场合下的立场协调。 \n\n表 3 国际组织推动可信数据自由流动讨论进展 \n\n时间 主要成果 进展 \n\n"
    "2019 G20 大阪数字经济宣言 \n首提“可信数据自由流动”概念，启动\n\n大阪轨道。 \n"
)


def test_single_spaced_table_header_stays_a_row_of_its_own():
    # The whole of 002 is hard-wrapped (“auto” finds so); this snippet is too short to tell.
    cleaner = TextCleaner(rewrap="always")
    assert cleaner.clean(REPORT_002_TABLE_HEADER).text.split("\n\n") == [
        "WTO 等国际场合下的立场协调。",
        "表 3 国际组织推动可信数据自由流动讨论进展",
        "时间 | 主要成果 | 进展",
        "2019 G20 大阪数字经济宣言首提“可信数据自由流动”概念，启动大阪轨道。",
    ]


@pytest.mark.parametrize("line", ["占全球 GDP 的比重", "安 晓 明", "前 言", "一是 二是"])
def test_lines_that_are_not_table_headers(cleaner, line):
    assert " | " not in cleaner.clean(line + "\n").text


# --- linear-time cleaning (issue 12): the rewritten pieces behave like the ones they replace ---

def _join_reference(text: str, line) -> str:
    """The join as it was before it looked at the end of the paragraph only (quadratic)."""
    import re

    from ingest.text_cleaner import _SUPERSCRIPT, _TRAILING_MARK, _is_cjk

    nxt = line.text
    if line.leading_space and not line.blank_before:
        mark = _TRAILING_MARK.search(text)
        if mark:
            text = text[: mark.start()] + mark.group(1).translate(_SUPERSCRIPT)
    if re.search(r"[A-Za-z]-$", text) and nxt[:1].islower():
        return text[:-1] + nxt
    last, first = text[-1:], nxt[:1]
    latin_last = last.isascii() and (last.isalnum() or last in ",.;:!?)%\"'")
    latin_first = first.isascii() and (first.isalnum() or first in "(\"'")
    if latin_last and latin_first:
        return f"{text} {nxt}"
    if (latin_last and last.isalnum() and _is_cjk(first)) or (_is_cjk(last) and latin_first and first.isalnum()):
        return f"{text} {nxt}"
    return text + nxt


def test_joining_wrapped_lines_matches_the_whole_text_join():
    import random

    from ingest.text_cleaner import _JoinedLines, _Line

    pieces = ["eco-", "nomy", "数字经济", "风险3", "29%1", "GDP", "增长", "x", "-", "a", "（见图3）", "”18", "12", "U.S."]
    rng = random.Random(7)
    for _ in range(300):
        lines = [
            _Line("".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))), None,
                  leading_space=rng.random() < 0.4, blank_before=rng.random() < 0.3)
            for _ in range(rng.randint(1, 12))
        ]
        expected = lines[0].text
        joined = _JoinedLines()
        joined.add(lines[0])
        for line in lines[1:]:
            expected = _join_reference(expected, line)
            joined.add(line)
            assert joined.length == len(expected)
        assert joined.text() == expected


def test_a_long_numeric_line_is_noise_only_if_it_holds_nothing_else():
    # Regression: the numeric-residue pattern backtracked quadratically on a long line of numbers.
    numbers = " ".join(str(n) for n in range(5000))
    assert TextCleaner._is_noise(numbers)
    assert TextCleaner._is_noise("11.4% -2.5%")
    assert not TextCleaner._is_noise(numbers + " x")
    assert TextCleaner._is_noise("-----")
    assert not TextCleaner._is_noise("% . ,")


def test_a_paragraph_of_many_lines_keeps_every_line():
    lines = [f"line {n} of a long paragraph that never ends a sentence and" for n in range(3000)]
    cleaned = TextCleaner(rewrap="never").clean("\n".join(lines) + " ends here.")
    assert cleaned.text == " ".join(lines) + " ends here."


def test_a_text_of_identical_lines_keeps_them(cleaner):
    # Repeated lines are running headers only while they are a minority of the text: a file whose
    # lines are all the same once collapsed to its first 70 characters.
    line = "数字丝绸之路建设成果丰硕，数字互联互通水平不断提升。"
    cleaned = cleaner.clean("\n\n".join([line] * 200)).text
    assert cleaned.count(line) == 200
