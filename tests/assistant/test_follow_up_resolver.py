"""The resolve stage: a cheap dependence test, then a rewrite and a retrieval context."""

from __future__ import annotations

import pytest

from assistant.answer_state import AnswerState
from assistant.rewrite import ChatModelRewriter
from assistant.stages import FollowUpResolver

HISTORY = [
    {"q": "安晓明的文章讲了“一带一路”数字经济合作的哪些进展？", "a": "数字基础设施建设进展迅速等。"},
]


def resolve(question: str, history=HISTORY, **config) -> AnswerState:
    state = AnswerState(question=question, language="zh", history=tuple(history))
    return FollowUpResolver(config=FollowUpResolver.Config(**config)).run(state)


def test_a_self_contained_question_asked_mid_chat_is_left_exactly_as_asked():
    question = "《全球数字治理白皮书（2020年）》认为数字化驱动全球化转型的四大动因是什么？"
    state = resolve(question)
    assert state.standalone == question
    assert state.context == "", "no prior from an unrelated previous turn"


def test_a_dependent_question_is_resolved_and_carries_the_previous_turn_as_context():
    state = resolve("其中数字服务贸易，2020年的总额是多少？")
    assert state.standalone == "安晓明、“一带一路”，其中数字服务贸易，2020年的总额是多少？"
    assert state.context == HISTORY[0]["q"]


def test_the_context_of_a_third_turn_is_the_second_turn_resolved():
    history = HISTORY + [{"q": "他认为面临哪些挑战？", "a": "四重挑战。"}]
    state = resolve("他建议怎么应对？", history)
    assert state.context == "安晓明、“一带一路”，他认为面临哪些挑战？"
    assert state.standalone.endswith("他建议怎么应对？") and "安晓明" in state.standalone


def test_without_history_nothing_is_resolved():
    state = resolve("他认为合作面临哪四重挑战？", history=())
    assert state.standalone == "他认为合作面临哪四重挑战？" and state.context == ""


def test_context_for_any_gives_every_question_with_history_the_prior():
    question = "《全球数字治理白皮书（2020年）》认为数字化驱动全球化转型的四大动因是什么？"
    state = resolve(question, context_for="any")
    assert state.standalone == question and state.context == HISTORY[0]["q"]


def test_the_model_rewriter_is_asked_only_for_dependent_questions(scripted):
    model = scripted("安晓明认为数字服务贸易2020年的总额是多少？")
    resolver = FollowUpResolver(ChatModelRewriter(model))
    question = "《全球数字治理白皮书（2020年）》认为数字化驱动全球化转型的四大动因是什么？"
    state = resolver.run(AnswerState(question=question, language="zh", history=tuple(HISTORY)))
    assert state.standalone == question and model.prompts == []
    state = resolver.run(AnswerState(question="其中数字服务贸易，2020年的总额是多少？", language="zh", history=tuple(HISTORY)))
    assert state.standalone == "安晓明认为数字服务贸易2020年的总额是多少？" and len(model.prompts) == 1


def test_config_is_validated_and_round_trips():
    with pytest.raises(ValueError, match="context_for"):
        FollowUpResolver(config=FollowUpResolver.Config(context_for="sometimes"))
    with pytest.raises(ValueError, match="strategy"):
        FollowUpResolver(config=FollowUpResolver.Config(strategy_en="guess"))
    resolver = FollowUpResolver(config=FollowUpResolver.Config(strategy_zh="topic", short_zh_chars=12))
    data = resolver.to_dict()
    assert data["rewriter"]["strategy_zh"] == "topic"
    assert FollowUpResolver.config_from_dict({k: v for k, v in data.items() if k != "rewriter"}) == resolver.config
