from __future__ import annotations

import pytest

from assistant.generation import MarkerHoldback
from assistant.prompt import REFUSAL_MARKER, is_refusal
from assistant.refusal import RefusalPolicy
from assistant_test_doubles import LIBRARY, make_result


def test_weak_retrieval_is_below_the_threshold():
    policy = RefusalPolicy(refuse_below=0.5)
    assert policy.retrieval_is_weak([make_result(LIBRARY[0], dense=0.49), make_result(LIBRARY[1], dense=0.2)])
    assert not policy.retrieval_is_weak([make_result(LIBRARY[0], dense=0.2), make_result(LIBRARY[1], dense=0.51)])
    assert policy.retrieval_is_weak([])


def test_results_without_dense_scores_are_left_to_the_model():
    result = make_result(LIBRARY[0])
    lexical_only = type(result)(chunk=result.chunk, score=1.0, rank=1, scores={"bm25": 12.0})
    assert not RefusalPolicy(refuse_below=0.9).retrieval_is_weak([lexical_only])


@pytest.mark.parametrize("text", [REFUSAL_MARKER, " no_answer ", "NO ANSWER", "根据资料，NO-ANSWER。"])
def test_marker_is_detected_loosely(text):
    assert is_refusal(text)


def test_ordinary_answers_are_not_refusals():
    assert not is_refusal("Japan set up a Digital Agency in 2021 [1].")
    assert not is_refusal("日本于2021年设立数字厅[1]。")


def test_holdback_hides_the_marker_but_not_other_text():
    refused = MarkerHoldback(iter(["NO", "_ANS", "WER"]))
    assert list(refused) == [] and refused.text == "NO_ANSWER"
    normal = MarkerHoldback(iter(["No", "rth Korea", " is not mentioned."]))
    assert "".join(normal) == "North Korea is not mentioned."


def test_threshold_is_validated():
    with pytest.raises(ValueError, match="cosine"):
        RefusalPolicy(refuse_below=3)
