"""What a question asks for, and whether a sentence states it (sentences from data/reports)."""

from __future__ import annotations

import pytest

from assistant.answer_type import asked_count, asked_years, expected_types, named_terms, states


@pytest.mark.parametrize("question, kinds", [
    ("赛博研究院的疫情报告估计2020年全球数字经济规模是多少美元？", {"figure", "money"}),
    ("中国是在哪一天正式申请加入DEPA的？", {"figure", "day"}),
    ("What share of the market does the platform hold?", {"figure", "percent"}),
    ("What budget did the ITU adopt for its strategic plan?", {"figure", "money"}),
    ("In which year did China propose the Digital Silk Road?", {"figure", "year"}),
    ("数字丝绸之路的主要内容是什么？", set()),
    ("When did the DEPA talks start?", {"figure"}),
    ("How much did Alibaba invest, and when did the hub start operating?", {"figure", "money"}),
    ("What happened when Ukraine asked internet bodies to cut Russia off?", set()),
    ("What are the four drivers the report lists?", set()),
    ("与几个国家共同发起了倡议？", {"figure"}),
    ("白皮书提出了哪几项主张？", set()),  # which ones, not how many
])
def test_expected_types(question, kinds):
    assert expected_types(question) == kinds


def test_states_needs_the_kind_and_a_number_the_question_does_not_give():
    money = "2020年3月，G20应对新冠疫情召开特别峰会，承诺将启动价值5万亿美元的振兴经济计划。"
    assert states("money", money)
    # the only amount is the one the question already names ($5 trillion)
    assert not states("money", money, given="How much of the G20's $5 trillion package went to digital cooperation?")
    assert not states("money", "数字平台企业达 74 家。")
    assert states("percent", "同比大幅下跌近 40%。")
    assert not states("percent", "阿里云排名全球第 3位。")
    assert states("day", "2023年10月18日，习近平总书记宣布了八项行动。")
    assert not states("day", "2023年10月，中国已与20个国家签署合作谅解备忘录。")
    with pytest.raises(ValueError, match="unknown answer type"):
        states("place", "北京")


def test_a_figure_in_chinese_numerals_is_stated():
    # data/reports/001: a count written in characters answers "多少个" (the gate refused it before).
    assert states("figure", "巴西在发展中国家中提案最为积极，先后单独及联合提交三个议案。", given="巴西提交了多少个议案？")
    assert states("percent", "约三成企业受到影响。")
    assert not states("figure", "中国提出八项行动。", given="八项行动是何时宣布的？")  # the question's own count
    assert not states("figure", "共建“一带一路”进一步走深走实。")


@pytest.mark.parametrize("question, names", [
    ("《全球数字治理白皮书（2022年）》提到的mBridge项目是什么？", ["全球数字治理白皮书（2022年）", "mBridge"]),
    ("“数字丝绸之路”建设进展如何？", ["数字丝绸之路"]),
    ("G20和OECD在数字治理上有何进展？", ["G20", "OECD"]),
    ("数字经济合作面临哪些挑战？", []),
    ("How did PwC measure mobile payments in the Middle East?", []),  # English names are translated
])
def test_named_terms(question, names):
    assert named_terms(question) == names


@pytest.mark.parametrize("question, years", [
    ("2021年全球跨国并购规模是多少？", {"2021"}),
    ("How many platforms were worth more than $10 billion at the end of 2023?", {"2023"}),
    # years that date a report, or sit inside a title, restrict nothing
    ("2022年版全球数字治理白皮书称，目前已有多少个国家发布数字政府相关战略？", set()),
    ("According to the 2020 Shanghai Cyber Institute report, what did the CARES Act earmark?", set()),
    ("根据《全球数字治理白皮书（2022年）》，数字平台有多少家？", set()),
    ("白皮书（2020年）所说的“G20+”机制复合体是什么？", set()),
    ("How did WTO negotiations evolve between CAICT's 2020 and 2022 white papers?", set()),
    ("对比2020年和2022年两版《全球数字治理白皮书》，数字平台企业数量有何变化？", set()),
    ("在2020年和2022年的两版白皮书里分别有什么新变化？", set()),
    ("How did flows grow between 2011 and 2021 according to the 2022 white paper?", {"2011", "2021"}),
])
def test_asked_years(question, years):
    assert asked_years(question) == years


@pytest.mark.parametrize("question, count", [
    ("安晓明认为“一带一路”数字经济合作面临哪四重挑战？", 4),
    ("推进全球数字治理体系建设需要处理好哪三对关系？", 3),
    ("数字化驱动全球化转型的四大动因是什么？", 4),
    ("Which five sub-topics does the 2022 white paper focus on?", 5),
    ("What are the four pillars of the Indo-Pacific Economic Framework?", 4),
    ("What are the 3 main channels?", 3),
    # a count that names something, a source, or a compound, asks for no number of parts
    ("中国支持高质量共建“一带一路”的八项行动是在何时宣布的？", None),
    ("八项行动里提到的全球数字贸易博览会在哪个城市举办？", None),
    ("Which two reports mention DEPA?", None),
    ("哪两份报告提到了DEPA？", None),
    ("Explain the OECD/G20 BEPS two-pillar approach.", None),
    ("《“十四五”数字经济发展规划》提出了哪些目标？", None),
])
def test_asked_count(question, count):
    assert asked_count(question) == count
