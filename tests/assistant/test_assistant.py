"""The answer pipeline's mechanics over a small hand-made library (hash embeddings, scripted
model). Answer quality with the real models is tested in test_assistant_end_to_end.py."""

from __future__ import annotations

import re

import pytest

from assistant import Answer, Assistant
from assistant.labels import LABELS
from assistant.stages import EvidenceSelector, ModelComposer, RefusalGate
from assistant.stages.model_composer import REFUSAL_MARKER

# The hash embedder's cosines are low: let the gate pass and let every unit compete.
OPEN_GATE = RefusalGate(RefusalGate.Config(refuse_below=0.0, min_unit_cosine=-1.0, min_unit_cosine_cross_lingual=-1.0,
                                         min_unit_cosine_open=-1.0,
                                         require_answer_type=False, require_asked_years=False,
                                         require_named_terms=False))


def make(retriever, embeddings, chat_model=None, **kwargs) -> Assistant:
    kwargs.setdefault("gate", OPEN_GATE)
    return Assistant(retriever=retriever, embeddings=embeddings, chat_model=chat_model, **kwargs)


def test_extractive_claims_are_units_and_each_citation_is_its_own_span(retriever, embeddings, library):
    answer = make(retriever, embeddings).ask("截至2022年底中国与多少个国家签署双边电子商务合作备忘录？")
    assert not answer.refused and answer.final and answer.backend == "extractive"
    assert answer.claims and all(len(c.cited) == 1 for c in answer.claims)
    spans = {(c.doc_id, c.start, c.end) for c in answer.citations}
    assert len(spans) == len(answer.citations), "one citation per unit, each with its own span"
    text = "\n".join(chunk.text for chunk in library)
    for citation in answer.citations:
        assert citation.text in text and "[" not in citation.text
    assert "29个国家" in answer.answer and "[1]" in answer.answer
    assert set(answer.timings) >= {"resolve", "retrieve", "select", "gate", "compose", "verify", "total"}


def test_two_claims_from_one_passage_carry_two_spans(retriever, embeddings):
    selector = EvidenceSelector(embeddings, lambda: None, EvidenceSelector.Config(max_units=3, margin_zh=5.0, margin_en=5.0))
    answer = make(retriever, embeddings, selector=selector).ask("丝路电商和双边电子商务合作备忘录")
    same_chunk = [c for c in answer.citations if c.doc_id == "doc-a" and c.section == "第二章 跨境电商"]
    assert len(same_chunk) >= 2
    assert len({(c.start, c.end) for c in same_chunk}) == len(same_chunk)
    assert [c.n for c in answer.citations] == sorted({n for claim in answer.claims for n in claim.cited})


def test_english_extractive_answer_opens_with_an_english_lead(retriever, embeddings):
    answer = make(retriever, embeddings).ask("How many countries had signed e-commerce MoUs with China by 2022?")
    lead = answer.claims[0]
    assert lead.kind == "lead" and lead.text.startswith("From “")
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in lead.text.replace("数字经济合作报告", ""))
    assert "29" in lead.text  # the figure, in English notation, in the lead


def cite_every_unit(messages) -> str:
    """A lead's markers citing every numbered unit of the evidence block."""
    return "".join(re.findall(r"\[\d+\]", messages[-1].content))


def test_model_composer_asks_for_the_lead_then_one_translation_per_cited_unit(retriever, embeddings, scripted):
    def reply(messages):
        if "<evidence>" in messages[-1].content:
            assert "[1]" in messages[-1].content and REFUSAL_MARKER not in messages[0].content
            return "China had signed e-commerce MoUs with 29 countries by the end of 2022 " + cite_every_unit(messages) + "."
        assert "Translate" in messages[0].content
        if "29" in messages[-1].content:
            return "By the end of 2022, China had signed bilateral e-commerce MoUs with 29 countries."
        return "The parties agreed to cooperate on " + "trade, investment and " * 60  # cut off by the budget

    model = scripted(reply)
    answer = make(retriever, embeddings, model, backend="scripted").ask("How many countries had signed e-commerce MoUs with China by 2022?")
    assert not answer.refused and answer.backend == "scripted"
    lead, *rest = answer.claims
    assert lead.kind == "lead" and lead.cited == tuple(e.n for e in answer.evidence) and len(lead.cited) >= 2
    assert rest[0].kind == "translation" and "29 countries" in rest[0].text and rest[0].cited == (1,)
    assert len(model.calls) == 1 + len(answer.evidence) and all(c.get("max_tokens") for c in model.calls)
    # a translation stopped mid-sentence by the token budget keeps the unit's own words
    kept = [c for c in rest if c.kind != "translation"]
    units = {e.n: e.text for e in answer.evidence}
    assert kept and all(c.text == units[c.cited[0]] for c in kept)


def test_english_claims_are_the_units_the_lead_rests_on(retriever, embeddings, scripted):
    def reply(messages):
        if "<evidence>" in messages[-1].content:
            return "China had signed e-commerce MoUs with 29 countries [1]."
        return "A translation."

    question = "How many countries had signed e-commerce MoUs with China by 2022?"
    model = scripted(reply)
    answer = make(retriever, embeddings, model).ask(question)
    assert len(answer.evidence) >= 2 and len(model.calls) == 2, "the lead, then unit [1]'s translation only"
    assert [(c.kind, c.cited) for c in answer.claims] == [("lead", (1,)), ("translation", (1,))]
    assert [c.n for c in answer.citations] == [1]
    everything = ModelComposer(model, ModelComposer.Config(translate_uncited=True))
    answer = make(retriever, embeddings, model, model_composer=everything).ask(question)
    assert [c.cited for c in answer.claims[1:]] == [(e.n,) for e in answer.evidence]


def test_a_lead_failing_verification_does_not_choose_the_units(retriever, embeddings, scripted):
    model = scripted(lambda m: "China had signed MoUs with 31 countries [1]." if "<evidence>" in m[-1].content else "A translation.")
    answer = make(retriever, embeddings, model).ask("How many countries had signed e-commerce MoUs with China by 2022?")
    assert answer.unsupported == ["China had signed MoUs with 31 countries."]  # 31 is in no unit
    assert [c.cited for c in answer.claims] == [(e.n,) for e in answer.evidence] and len(answer.evidence) >= 2


def test_an_extractive_fallback_lead_keeps_every_unit_translated(retriever, embeddings, scripted):
    model = scripted(lambda m: "中国已与29个国家签署备忘录[1]。" if "<evidence>" in m[-1].content else "A translation.")
    answer = make(retriever, embeddings, model).ask("How many countries had signed e-commerce MoUs with China by 2022?")
    assert answer.claims[0].text.startswith("From “")
    assert [c.cited for c in answer.claims[1:]] == [(e.n,) for e in answer.evidence]


def test_a_translation_the_model_ended_is_kept_whatever_its_last_character(retriever, embeddings, scripted):
    def reply(messages):
        if "<evidence>" in messages[-1].content:
            return "China had signed e-commerce MoUs with 29 countries [1]."
        return "Silk Road e-commerce: a new channel of cooperation"  # no full stop

    answer = make(retriever, embeddings, scripted(reply), backend="scripted").ask(
        "How many countries had signed e-commerce MoUs with China by 2022?")
    lead, *rest = answer.claims
    assert rest and all(c.kind == "translation" and c.text.endswith("of cooperation") for c in rest)


def test_an_unfinished_translation_keeps_its_last_whole_sentence():
    from assistant.stages.model_composer import whole_sentences

    assert whole_sentences("China signed MoUs with 29 countries. The parties also agreed to") == "China signed MoUs with 29 countries."
    assert whole_sentences("The parties also agreed to") == ""
    assert whole_sentences("It grew 13.2%") == "It grew 13.2%"
    assert whole_sentences("截至2022年底签署了29份备忘录。其中包括“丝路") == "截至2022年底签署了29份备忘录。"


def test_a_lead_stopped_by_its_budget_keeps_its_whole_sentences_or_gives_way(retriever, embeddings, scripted):
    def looping(messages):
        if "<evidence>" in messages[-1].content:
            return "China has proposed these initiatives: the “" + "“”" * 200
        return "A translation."

    answer = make(retriever, embeddings, scripted(looping), backend="scripted").ask(
        "How many countries had signed e-commerce MoUs with China by 2022?")
    lead = answer.claims[0]
    assert lead.kind == "lead" and "“”“”" not in lead.text and lead.text.startswith("From “")  # the extractive lead


def test_model_refusal_is_recorded_with_its_reason_when_trusted(retriever, embeddings, scripted):
    trusting = ModelComposer(scripted(REFUSAL_MARKER), ModelComposer.Config(trust_model_refusal=True))
    items = list(make(retriever, embeddings, trusting.chat_model, model_composer=trusting).stream("日本数字厅的厅长是谁？"))
    assert not any(isinstance(i, str) for i in items), "the marker must not be streamed"
    final = items[-1]
    assert final.refused and final.refusal_reason == "model_no_answer"
    assert final.answer == LABELS["zh"].model_no_answer and final.passages and final.citations == []


def test_an_untrusted_model_refusal_keeps_the_evidence(retriever, embeddings, scripted):
    assistant = make(retriever, embeddings, scripted(REFUSAL_MARKER))
    preview = assistant.preview("日本在哪一年设立了数字厅？")
    final = assistant.ask("日本在哪一年设立了数字厅？")
    assert not final.refused and [c.text for c in final.claims] == [c.text for c in preview.claims]


def test_weak_retrieval_refuses_without_calling_the_model(retriever, embeddings, scripted):
    model = scripted("不应被调用")
    gate = RefusalGate(RefusalGate.Config(refuse_below=0.99))
    answer = make(retriever, embeddings, model, gate=gate).ask("日本设立了数字厅吗？")
    assert answer.refused and answer.refusal_reason == "weak_retrieval"
    assert answer.answer == LABELS["zh"].weak_retrieval and model.prompts == []


def test_no_unit_close_enough_refuses_with_no_evidence(retriever, embeddings):
    gate = RefusalGate(RefusalGate.Config(refuse_below=0.0, min_unit_cosine=0.999, min_unit_cosine_cross_lingual=0.999,
                                          min_unit_cosine_open=0.999))
    answer = make(retriever, embeddings, gate=gate).ask("日本设立了数字厅吗？")
    assert answer.refused and answer.refusal_reason == "no_evidence"


@pytest.mark.parametrize("question", [
    "截至2022年底中国在哪一天与29个国家签署了双边电子商务合作备忘录？",  # a day: the units give a year
    "截至2022年底中国与多少个国家签署双边电子商务合作备忘录，投资额是多少美元？",  # money: none stated
    "2019年中国与多少个国家签署了双边电子商务合作备忘录？",  # a year no unit or passage mentions
])
def test_a_value_the_evidence_does_not_state_refuses_with_no_evidence(retriever, embeddings, question):
    values = RefusalGate(RefusalGate.Config(refuse_below=0.0, min_unit_cosine=-1.0, min_unit_cosine_cross_lingual=-1.0, min_unit_cosine_open=-1.0))
    assert not make(retriever, embeddings, gate=values).ask("截至2022年底中国与多少个国家签署双边电子商务合作备忘录？").refused
    answer = make(retriever, embeddings, gate=values).ask(question)
    assert answer.refused and answer.refusal_reason == "no_evidence", answer.answer


@pytest.mark.parametrize("question, refused", [
    ("ChatGPT对丝路电商有什么影响？", True),  # a name in Latin script no passage mentions
    ("《数字欧洲计划》与丝路电商有何关系？", True),  # a title no passage, title or section mentions
    ("“一带一路”数字经济国际合作倡议是哪一年发起的？", False),
    ("丝路电商", False),
])
def test_a_chinese_question_naming_what_no_passage_mentions_refuses(retriever, embeddings, question, refused):
    names = RefusalGate(RefusalGate.Config(refuse_below=0.0, min_unit_cosine=-1.0, min_unit_cosine_cross_lingual=-1.0, min_unit_cosine_open=-1.0,
                                           require_answer_type=False, require_asked_years=False))
    answer = make(retriever, embeddings, gate=names).ask(question)
    assert answer.refused is refused and answer.refusal_reason == ("no_evidence" if refused else None), answer.answer


def test_stream_continues_from_the_preview_and_keeps_its_claims(retriever, embeddings, scripted):
    model = scripted("日本于2021年设立数字厅[1]。")
    assistant = make(retriever, embeddings, model, backend="scripted")
    preview = assistant.preview("日本在哪一年设立了数字厅？")
    assert not preview.final and preview.backend == "extractive" and preview.claims
    asked = len(retriever.queries)
    items = list(assistant.stream("日本在哪一年设立了数字厅？", preview=preview))
    final = items[-1]
    assert isinstance(final, Answer) and final.final and len(retriever.queries) == asked  # no second retrieval
    assert any(isinstance(i, str) for i in items)
    preview_texts = {c.text for c in preview.claims}
    assert preview_texts <= {c.text for c in final.claims}
    assert final.claims[0].kind == "lead"


def test_json_shape_keeps_old_fields_and_adds_claims(retriever, embeddings):
    data = make(retriever, embeddings).ask("日本在哪一年设立了数字厅？").to_dict()
    assert {"answer", "refused", "citations", "passages", "timings", "unsupported", "notes"} <= set(data)
    assert data["claims"] and all(set(c) == {"text", "citations", "kind"} for c in data["claims"])
    numbers = {c["n"] for c in data["citations"]}
    assert all(set(c["citations"]) <= numbers for c in data["claims"])


def test_empty_and_malformed_questions_are_clear_errors(retriever, embeddings):
    assistant = make(retriever, embeddings)
    with pytest.raises(ValueError, match="empty"):
        assistant.ask("   ")
    with pytest.raises(ValueError, match="history"):
        assistant.ask("日本？", [{"a": "x"}])


def test_stage_configs_round_trip_and_reject_unknown_keys():
    config = EvidenceSelector.config_from_dict({"max_units": 4, "stage": "select"})
    assert config.max_units == 4 and config.margin_zh == EvidenceSelector.Config().margin_zh
    with pytest.raises(ValueError, match="unknown select setting"):
        EvidenceSelector.config_from_dict({"max_unit": 4})


def test_stage_settings_from_the_environment_arrive_typed(monkeypatch):
    from reportqa.factory import stage_config
    from reportqa.settings import load_settings

    monkeypatch.setenv("REPORTQA_ASSISTANT__SELECT__MAX_UNITS", "4")
    monkeypatch.setenv("REPORTQA_ASSISTANT__GATE__MIN_UNIT_COSINE", "0.45")
    monkeypatch.setenv("REPORTQA_ASSISTANT__GATE__REQUIRE_ASKED_YEARS", "false")
    options = load_settings().assistant
    select, gate = stage_config(EvidenceSelector, options.select), stage_config(RefusalGate, options.gate)
    assert select.max_units == 4 and gate.min_unit_cosine == 0.45 and gate.require_asked_years is False
    RefusalGate(gate)  # validates its numbers, which failed on text
    with pytest.raises(ValueError, match="gate setting min_unit_cosine='high'"):
        RefusalGate.config_from_dict({"min_unit_cosine": "high"})


def test_a_translator_model_translates_and_the_chat_model_redoes_what_fails_verification(retriever, embeddings, scripted):
    def lead(messages):
        return "China had signed e-commerce MoUs with 29 countries by the end of 2022 " + cite_every_unit(messages) + "."

    def careless(messages):  # a figure that is in no unit
        return "By 2023, China had signed MoUs with 31 countries." if "29" in messages[-1].content else "Cooperation grew."

    chat_model, translator = scripted(lambda m: lead(m) if "<evidence>" in m[-1].content else "Redone by the chat model."), scripted(careless)
    composer = ModelComposer(chat_model, translator=translator)
    answer = make(retriever, embeddings, chat_model, model_composer=composer).ask(
        "How many countries had signed e-commerce MoUs with China by 2022?")
    assert len(chat_model.prompts) == 2 and len(translator.prompts) == len(answer.evidence) >= 2
    translations = [c.text for c in answer.claims if c.kind == "translation"]
    assert translations.count("Redone by the chat model.") == 1 and "Cooperation grew." in translations
    assert not any("31" in t for t in translations)
    assert make(retriever, embeddings, chat_model, model_composer=composer).chat_models == [chat_model, translator]


def test_the_chat_model_as_its_own_translator_is_one_model(scripted):
    model = scripted(lambda m: "x")
    assert ModelComposer(model, translator=model).models == [model]
    with pytest.raises(ValueError, match="translator must be a LangChain BaseChatModel"):
        ModelComposer(model, translator="qwen")


def test_a_long_unit_gets_a_translation_budget_for_its_length(scripted):
    from assistant.answer import Evidence
    from ingest.evidence_units import EvidenceUnit

    model = scripted(lambda m: "Cooperation grew.")
    composer = ModelComposer(model)
    for chars, budget in ((60, 200), (440, 396)):  # joined sentences: 0.9 tokens a character
        text = "数" * chars
        unit = Evidence(n=1, unit=EvidenceUnit(f"d:0-{chars}", "d", 0, chars, text, "sentence"), doc_title="d",
                        page=None, score=1.0)
        assert "".join(composer._translate(unit, model)) == "Cooperation grew."
        assert model.calls[-1]["max_tokens"] == budget
    with pytest.raises(ValueError, match="tokens_per_char"):
        ModelComposer(model, ModelComposer.Config(tokens_per_char=0))
