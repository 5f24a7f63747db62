"""The local model's measured speed, the expected wait and queue place shown while it answers."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from test_chat_handlers import make_handlers, text_of
from ui_fakes import ScriptedAssistant, generative_script

from ui.chat_view import timings_text, wait_text
from ui.conversation import Turn
from ui.labels import labels_for
from ui.model_speed import ModelCall, ModelSpeed
from ui.stage_names import STAGE_NAMES


def llama_result(prompt_n: int, prompt_ms: float, predicted_n: int, predicted_ms: float) -> LLMResult:
    """What LangChain hands ``on_llm_end`` after a llama.cpp call: the server's own timings."""
    timings = {"prompt_n": prompt_n, "prompt_ms": prompt_ms, "predicted_n": predicted_n,
               "predicted_ms": predicted_ms, "prompt_per_second": 0.0}
    message = AIMessage("…", response_metadata={"finish_reason": "stop", "timings": timings})
    return LLMResult(generations=[[ChatGeneration(message=message, generation_info={"timings": timings})]])


def test_nothing_is_estimated_before_a_measurement(tmp_path):
    assert ModelSpeed(record_path=tmp_path / "speed.json").estimate() is None
    speed = ModelSpeed()
    speed.on_llm_end(LLMResult(generations=[[ChatGeneration(message=AIMessage("no timings"))]]))
    assert speed.estimate() is None
    with pytest.raises(ValueError, match="recent"):
        ModelSpeed(recent=0)


def test_speeds_come_from_the_models_own_timings_and_an_answer_is_sized_by_answering_calls(tmp_path):
    speed = ModelSpeed(record_path=tmp_path / "ui" / "speed.json")
    speed.on_llm_end(llama_result(1000, 10_000, 100, 20_000))  # an answer: 100 tok/s read, 5 tok/s written
    speed.on_llm_end(llama_result(60, 600, 10, 2_000))  # a short rewrite call at the same speeds
    estimate = speed.estimate()
    assert estimate.prompt_tokens_per_second == pytest.approx(100)
    assert estimate.answer_tokens_per_second == pytest.approx(5)
    assert estimate.expected_seconds == pytest.approx(1000 / 100 + 100 / 5)  # sized by the answer, not the rewrite
    assert estimate.calls == 2
    # Recorded, so the next process estimates from its first question on.
    again = ModelSpeed(record_path=tmp_path / "ui" / "speed.json")
    assert again.estimate() == estimate
    assert json.loads((tmp_path / "ui" / "speed.json").read_text())["calls"][0]["prompt_tokens"] == 1000


def test_a_broken_record_is_ignored_and_only_recent_calls_count(tmp_path):
    record = tmp_path / "speed.json"
    record.write_text("{not json", encoding="utf-8")
    speed = ModelSpeed(record_path=record, recent=2)
    assert speed.estimate() is None
    for ms in (1_000, 100_000, 100_000):  # the machine got busy: the old fast call drops out
        speed.add(ModelCall(prompt_tokens=100, prompt_ms=ms, answer_tokens=10, answer_ms=ms))
    assert speed.estimate().prompt_tokens_per_second == pytest.approx(1.0)


def test_the_wait_is_shown_in_queue_then_while_the_model_writes():
    labels = labels_for("zh")
    turn = Turn(question="q", backend="local", status="generating", queue_ahead=2, queue_wait=80.0,
                expected_seconds=40.0, speeds=(120.0, 8.5))
    assert wait_text(turn, labels) == labels.queued_estimate.format(ahead=2, wait="80.0 秒")
    turn.queue_ahead, turn.model_started = 0, 100.0
    assert wait_text(turn, labels_for("en"), now=110.0) == (
        "An answer takes about 40.0 s on this machine, about 30.0 s left (reads 120 tokens/s, writes 8.5 tokens/s).")
    assert "还剩约 0.0 秒" in wait_text(turn, labels, now=500.0)  # late: never negative
    turn.status = "done"
    assert wait_text(turn, labels) == ""
    unknown = Turn(question="q", backend="openai", status="generating", queue_ahead=1)
    assert wait_text(unknown, labels_for("en")) == "Waiting for the model: 1 answer(s) ahead."


def test_the_queue_place_and_measured_wait_reach_the_chat(tmp_path):
    speed = ModelSpeed()
    speed.add(ModelCall(prompt_tokens=1200, prompt_ms=12_000, answer_tokens=90, answer_ms=18_000))
    handlers, _ = make_handlers(tmp_path, [ScriptedAssistant(generative_script()) for _ in range(3)],
                                model_speed=speed, model_slots=1)
    # Two sessions ask; the second waits behind the first for the one model slot.
    first = list(handlers.start("数字经济规模有多大？", None, "local", 4, "zh"))[-1][0]
    second_updates = list(handlers.start("数字经济规模有多大？", None, "local", 4, "en"))
    second = second_updates[-1][0]
    assert first.turns[0].queue_ahead == 0 and second.turns[0].queue_ahead == 1
    shown = text_of(second_updates[-1][1])
    assert "Waiting for the model: 1 answer(s) ahead, starting in about 30.0 s." in shown
    # Once the model works on the first, it shows the measured time and how much is left.
    updates = handlers.generate(first, "zh")
    assert "本机实测每个回答约需 30.0 秒" in text_of(next(updates).chat)
    list(updates)
    assert first.turns[0].status == "done"
    assert "本机实测" not in text_of(handlers.view(first, "zh").chat)
    # The first is done: a third session is next in line for the slot the second will take.
    third = list(handlers.start("数字经济规模有多大？", None, "local", 4, "zh"))[-1][0]
    assert third.turns[0].queue_ahead == 1


def test_timing_labels_come_from_one_table_and_unknown_stages_show_as_they_are():
    for lang in ("zh", "en"):
        names = labels_for(lang).timing_names
        assert set(names) == set(STAGE_NAMES)
    assert timings_text({"repair": 1.2, "answerability": 0.3}, labels_for("zh")) == "译出残留中文 1.2 秒 · 判断可答性 0.3 秒"
    assert timings_text({"claim_check": 0.5}, labels_for("zh")) == "claim check 0.5 秒"
