from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.language_check import has_untranslated_chinese
from assistant.language_repair import LanguageRepair
from assistant.prompt import parse_answer_messages

GLOSSARY = {"数字厅": "Digital Agency", "设立": "set up"}


def translator(messages):
    """Replies to a repair request line by line from GLOSSARY (leaving unknown phrases as they are)."""
    lines = messages[-1].content.splitlines()
    return "\n".join(
        f"{line.split('. ', 1)[0]}. {GLOSSARY.get(line.split('. ', 1)[1].strip('，。'), line.split('. ', 1)[1])}"
        for line in lines
    )


def test_fragments_are_replaced_by_their_translation(scripted):
    repair = LanguageRepair(scripted(translator))
    assert repair.repair("Japan created the 数字厅 in 2021 [3].") == "Japan created the Digital Agency in 2021 [3]."


def test_untranslatable_fragment_is_removed_and_brackets_are_kept(scripted):
    repair = LanguageRepair(scripted(translator))
    fixed = repair.repair("The plan (数字新政) aims at 智能化 growth [3].")
    assert fixed == "The plan (数字新政) aims at growth [3]."
    assert not has_untranslated_chinese(fixed)


def test_one_request_for_all_fragments(scripted):
    model = scripted(translator)
    LanguageRepair(model).repair("Japan 设立 the 数字厅 [3].")
    assert len(model.prompts) == 1
    assert model.prompts[0][-1].content == "1. 设立\n2. 数字厅"


def test_invalid_options_are_rejected(scripted):
    with pytest.raises(ValueError, match="max_fragments"):
        LanguageRepair(scripted("x"), max_fragments=0)


def test_assistant_repairs_english_answers_only(retriever, scripted):
    def reply(messages):
        if "<passages>" in messages[-1].content:
            lang = parse_answer_messages(messages).language
            return "Japan set up the 数字厅 in 2021 [3]." if lang == "en" else "日本于2021年设立数字厅[3]。"
        return translator(messages)

    model = scripted(reply)
    english = Assistant(retriever=retriever, chat_model=model, language="en").ask("日本在哪一年设立了数字厅？")
    assert "Digital Agency" in english.answer and not has_untranslated_chinese(english.answer)
    chinese = Assistant(retriever=retriever, chat_model=model).ask("日本在哪一年设立了数字厅？")
    assert chinese.answer.startswith("日本于2021年设立数字厅")
