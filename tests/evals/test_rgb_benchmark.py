from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from evals_fakes import result

from assistant.answer import Answer
from evals.rgb import (
    RGBBenchmark,
    RGBFormatError,
    answer_labels,
    choose_items,
    is_correct,
    load_rgb,
    render_rgb_markdown,
    sample_passages,
    summarize_rgb,
)
from evals.rgb.passage_library import passage_filename

POS = [f"正例{i}：事故造成12人死亡。" for i in range(6)]
NEG = [f"反例{i}：另一起事故的报道。" for i in range(8)]


@pytest.fixture
def rgb_file(tmp_path: Path) -> Path:
    rows = [
        {"id": 0, "query": "事故死亡人数", "answer": ["12人"], "positive": POS, "negative": NEG},
        {"id": 1, "query": "哪些国家参加？", "answer": ["中国", ["日本", "日方"]], "positive": POS[:2],
         "negative": NEG},
        {"id": 2, "query": "金额", "answer": [["2.5亿元", "25000万元"]], "positive": POS, "negative": NEG[:1]},
    ]
    path = tmp_path / "rgb.json"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_load_and_validate(rgb_file: Path, tmp_path: Path) -> None:
    items = load_rgb(rgb_file)
    assert [i.id for i in items] == [0, 1, 2]
    bad = tmp_path / "bad.json"
    bad.write_text(rgb_file.read_text(encoding="utf-8") + '{"id": 3, "query": "q", "answer": [], '
                   '"positive": [], "negative": []}\n', encoding="utf-8")
    with pytest.raises(RGBFormatError, match=r"bad.json:4: answer must be"):
        load_rgb(bad)


def test_sampling_follows_the_benchmark_noise_ratio(rgb_file: Path) -> None:
    item = load_rgb(rgb_file)[0]
    sample = sample_passages(item, 0.4)
    assert len(sample.passages) == 5 and sample.n_negative == 2
    # The benchmark takes passages from the front of each list.
    assert set(sample.passages) == set(POS[:3]) | set(NEG[:2])
    assert sample_passages(item, 0.4) == sample  # seeded
    assert sample_passages(item, 0.0).n_negative == 0
    assert sample_passages(item, 0.2).n_negative == 1
    assert sample_passages(item, 0.8).n_negative == 4
    rejection = sample_passages(item, 1.0)
    assert rejection.n_negative == 5 and set(rejection.passages) <= set(NEG)


def test_short_lists_are_filled_from_the_other_kind(rgb_file: Path) -> None:
    few_pos, few_neg = load_rgb(rgb_file)[1], load_rgb(rgb_file)[2]
    assert sample_passages(few_pos, 0.0).n_negative == 3  # only 2 positives
    assert sample_passages(few_neg, 0.6).n_negative == 1  # only 1 negative
    with pytest.raises(ValueError, match="noise"):
        sample_passages(few_pos, 1.5)


def test_choose_items_is_a_seeded_subset_in_file_order(rgb_file: Path) -> None:
    items = load_rgb(rgb_file)
    chosen = choose_items(items, 2, seed=1)
    assert len(chosen) == 2 and chosen == choose_items(items, 2, seed=1)
    assert [i.id for i in chosen] == sorted(i.id for i in chosen)
    assert choose_items(items, None) == items
    assert {i.id for i in choose_items(items, 1, seed=1)} <= {i.id for i in chosen}  # nested subsets


def test_scoring_requires_every_entry_with_alternatives_and_normalises() -> None:
    assert is_correct("事故造成１２人死亡", ["12人"])
    assert not is_correct("事故造成12人死亡", ["12人"], refused=True)
    assert answer_labels("中国和日方代表出席", ["中国", ["日本", "日方"]]) == [True, True]
    assert not is_correct("中国代表出席", ["中国", ["日本", "日方"]])
    assert is_correct("投资2.5億元", [["2.5亿元"]])
    assert is_correct("Revenue of 1,000 yuan", ["1000 yuan"])


def test_benchmark_run_scores_accuracy_and_rejection(rgb_file: Path, tmp_path: Path) -> None:
    seen: list[tuple[str, ...]] = []

    @contextmanager
    def assistant_for(passages):
        seen.append(tuple(passages))

        class Over:
            def ask(self, question, history=()):
                has_answer = any("12人" in p for p in passages)
                text = "事故造成12人死亡[1]。" if has_answer else "资料中没有相关信息。"
                return Answer(question=question, language="zh", standalone_question=question, answer=text,
                              refused=not has_answer, passages=[result("d", p, 1) for p in passages[:1]],
                              timings={"total": 0.1})
        yield Over()

    items = load_rgb(rgb_file)[:1]
    benchmark = RGBBenchmark(assistant_for, progress=False)
    noisy = benchmark.run(items, 0.4, tmp_path)
    assert noisy[0]["correct"] and noisy[0]["n_negative"] == 2
    assert "passages" in noisy[0] and all("text" not in p for p in noisy[0]["passages"])
    rejected = benchmark.run(items, 1.0, tmp_path)
    assert rejected[0]["refused"]
    assert summarize_rgb(noisy)["accuracy"].value == 1.0
    assert summarize_rgb(rejected)["rejection_rate"].value == 1.0
    # resumable: a second run asks nothing
    before = len(seen)
    benchmark.run(items, 0.4, tmp_path)
    assert len(seen) == before
    markdown = render_rgb_markdown({0.4: summarize_rgb(noisy), 1.0: summarize_rgb(rejected)}, {"backend": "x"})
    assert "| 0.40 | accuracy | 1.000" in markdown and "| 1.00 | rejection_rate | 1.000" in markdown


def test_passage_files_are_named_by_content() -> None:
    assert passage_filename("甲") == passage_filename("甲") != passage_filename("乙")
    assert passage_filename("甲").endswith(".txt")
