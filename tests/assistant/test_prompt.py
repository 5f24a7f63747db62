from __future__ import annotations

import pytest

from assistant.passage import Passage
from assistant.prompt import REFUSAL_MARKER, answer_messages, parse_answer_messages
from assistant_test_doubles import LIBRARY, make_result

PASSAGES = [Passage.whole(n, make_result(c, rank=n)) for n, c in enumerate(LIBRARY, start=1)]


@pytest.mark.parametrize("language, question", [("zh", "韩国数字新政投资多少？"), ("en", "How much does the Korean New Deal invest?")])
def test_prompt_round_trips_question_and_numbered_passages(language, question):
    parsed = parse_answer_messages(answer_messages(language, question, PASSAGES))
    assert parsed.language == language
    assert parsed.question == question
    assert sorted(parsed.passages) == [1, 2, 3]
    assert "58万亿韩元" in parsed.passages[3]


def test_question_comes_last_followed_only_by_the_reminder():
    human = answer_messages("zh", "韩国数字新政投资多少？", PASSAGES)[-1].content
    assert human.rstrip().splitlines()[-2] == "问题：韩国数字新政投资多少？"
    assert REFUSAL_MARKER not in human  # the refusal rule lives in the (cached) system message


def test_example_figures_are_not_report_figures():
    # A small model copies its example's figures, so they must not be real figures of the
    # bundled reports (where a copied one would pass every citation check).
    import re
    from pathlib import Path

    reports = "".join(re.sub(r"\s+", "", p.read_text(encoding="utf-8"))
                      for p in Path("data/reports").glob("*.txt"))
    for language in ("zh", "en"):
        example = answer_messages(language, "?", PASSAGES)[0].content.rpartition("\n")[2]
        figures = re.findall(r"\d+(?:\.\d+)?(?:万亿|亿|万|%)?", example.replace(" trillion yuan", "万亿"))
        assert len(figures) >= 2
        for figure in figures:
            if not re.fullmatch(r"20\d\d|\d", figure):
                assert figure not in reports, (language, figure)
