"""What a model-written answer shows after its lead (sentences from data/reports/000 and 001)."""

from __future__ import annotations

import pytest

from assistant.answer import Evidence
from assistant.answer_state import AnswerState
from assistant.stages.model_composer import ModelComposer
from ingest.evidence_units import EvidenceUnit

DOC = "000"
SUMMARY = ("最后，针对上述风险挑战，报告从完善数字经济国际治理机制、推进区域数字经济新发展、打造国内国际数字经济发展双循环、"
           "健全企业风险评估机制等方面为推动数字经济国际合作提出建议。")
LEAD = "数字经济国际合作的顺利开展需要国际层面提供机制性保障，因此国际社会需要构建全方位的治理机制。"
ITEMS = ["政治层面，增强国家间互信。", "经济层面，制定国际数字贸易规则。", "法律层面，开展法律协调与增强透明度。",
         "技术层面，完善国际化标准体系。"]
QUESTION = "赛博研究院的疫情报告建议从哪些层面完善国际层面的数字经济治理机制？"


def unit(start: int, text: str, paragraph: int, lead: str | None = None) -> EvidenceUnit:
    return EvidenceUnit(f"{DOC}:{start}-{start + len(text)}", DOC, start, start + len(text), text,
                        "list_item" if lead else "sentence", lead=lead, paragraph=paragraph)


def evidence(example: str = "") -> list[Evidence]:
    """The abstract's summary [1], the list's lead [2], its four items [3]-[6], one paragraph each;
    ``example`` adds a sentence [7] to the paragraph of the first item."""
    lead = unit(1000, LEAD, 20)
    units = [unit(0, SUMMARY, 3), lead] + [unit(2000 + 100 * i, t, 21 + i, lead.unit_id) for i, t in enumerate(ITEMS)]
    if example:
        units.append(unit(2000 + len(ITEMS[0]), example, 21))
    return [Evidence(n=n, unit=u, doc_title=DOC, page=None, score=0.6, cosine=0.6,
                     role="item" if u.lead else "answer")
            for n, u in enumerate(units, start=1)]


def compose(reply: str, scripted, question: str = QUESTION, language: str = "zh", example: str = "",
            **config) -> AnswerState:
    state = AnswerState(question=question, language=language, standalone=question, evidence=evidence(example))
    model = scripted(lambda messages: reply if "<evidence>" in messages[-1].content else "A translation.")
    return ModelComposer(model, ModelComposer.Config(**config)).run(state)


def shown(state: AnswerState) -> list[int]:
    return [n for c in state.claims if c.kind != "lead" for n in c.cited]


def test_a_lead_naming_one_item_shows_the_whole_list(scripted):
    # Dev zh-020: the 1.5B model named one of the four levels; the list is the answer.
    state = compose("政治层面增强国家间互信[3]。", scripted, quote_uncited=False)
    assert shown(state) == [3, 4, 5, 6]


def test_a_chinese_lead_shows_the_units_whose_words_it_repeats(scripted):
    # Most of the lead's words are [1]'s, but it also repeats nearly half of [2]'s.
    lead = "报告从完善治理机制、推进区域新发展、打造发展双循环、健全企业风险评估机制等方面提出建议，合作的顺利开展需要提供机制性保障[1]。"
    assert shown(compose(lead, scripted, quote_uncited=False)) == [1, 2]
    assert shown(compose(lead, scripted, quote_uncited=False, min_reuse=0.5)) == [1]


def test_a_sentence_developing_an_item_brings_its_list(scripted):
    example = "例如，参考联合国框架下的政府间专家组机制，制定数字经济领域负责任的国家行为规范。"
    state = compose("报告建议参考联合国框架下的政府间专家组机制[7]。", scripted, example=example, quote_uncited=False)
    assert shown(state) == [3, 4, 5, 6, 7]


def test_quote_uncited_shows_every_selected_unit(scripted):
    state = compose("政治层面增强国家间互信[3]。", scripted, quote_uncited=True)
    assert shown(state) == [1, 2, 3, 4, 5, 6]


def test_an_english_lead_citing_one_item_gets_the_whole_list_translated(scripted):
    state = compose("At the political level, mutual trust between states should be strengthened [3].", scripted,
                    question="Which levels does the report propose for improving international governance?",
                    language="en")
    assert [(c.kind, c.cited) for c in state.claims[1:]] == [("translation", (n,)) for n in (3, 4, 5, 6)]


@pytest.mark.parametrize("share", [0.0, 1.5])
def test_min_reuse_must_be_a_share(scripted, share):
    with pytest.raises(ValueError, match="min_reuse"):
        ModelComposer(scripted(lambda m: ""), ModelComposer.Config(min_reuse=share))


BREACHES = ("据 Risk Based Security 统计，2019 年上半年，世界范围内发生了 3813 起数据泄露事件，公开数据达 41 亿条，"
            "数据泄露事件的数量与上一年同期相比增加了 54%，全球各行业正在遭受高频次爆发的数据泄露事件困扰，数据安全问题正成为各国共同面对的重要难题。")


def breaches(scripted, translate):
    """Probe en-241's unit (a sentence of data/reports/001), a lead citing it, and ``translate(text)`` for each
    translation request."""
    model = scripted(lambda m: "3,813 data breaches [1]." if "<evidence>" in m[-1].content else translate(m[-1].content))
    unit = EvidenceUnit(f"{DOC}:0-{len(BREACHES)}", DOC, 0, len(BREACHES), BREACHES, "sentence")
    state = AnswerState(question="How many data breaches occurred in the first half of 2019?", language="en",
                        evidence=[Evidence(n=1, unit=unit, doc_title=DOC, page=None, score=0.7, cosine=0.7)])
    return model, ModelComposer(model).run(state)


def test_a_translation_stating_a_wrong_number_is_made_again_clause_by_clause(scripted):
    def translate(text):
        if len(text) > 100:
            return "Risk Based Security counted 38,130 data breaches in the first half of 2019."  # misread
        return "In the first half of 2019 there were 3813 data breaches." if "3813" in text else "Data security is a shared problem."

    model, state = breaches(scripted, translate)
    translation = state.claims[1]
    assert translation.kind == "translation" and "3813 data breaches" in translation.text and "38,130" not in translation.text
    assert translation.text.endswith("Data security is a shared problem.")
    assert len(model.calls) == 1 + 1 + 2, "the lead, the whole unit, then its two pieces"
    pieces = [p[-1].content for p in model.prompts[2:]]
    assert pieces[0].startswith("据 Risk Based Security") and pieces[1].endswith("重要难题。")


def test_a_good_translation_is_not_made_again(scripted):
    model, state = breaches(scripted, lambda text: "In the first half of 2019 there were 3,813 data breaches.")
    assert len(model.calls) == 2 and state.claims[1].kind == "translation"
