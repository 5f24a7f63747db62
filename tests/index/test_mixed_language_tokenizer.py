from __future__ import annotations

import pytest

from index.mixed_language_tokenizer import MixedLanguageTokenizer


@pytest.fixture(scope="module")
def tokenize():
    return MixedLanguageTokenizer()


def test_chinese_is_segmented_into_words_without_function_words(tokenize):
    tokens = tokenize("数字经济的发展与合作新前景")
    assert {"数字", "经济", "发展", "合作", "前景"} <= set(tokens)
    assert "的" not in tokens and "与" not in tokens
    assert all(len(t) < 5 for t in tokens)  # words, not the whole sentence


def test_english_is_lower_cased_without_stopwords_or_punctuation(tokenize):
    assert tokenize("The Digital Economy, and its GROWTH!") == ["digital", "economy", "growth"]


def test_mixed_text_and_full_width_characters(tokenize):
    tokens = tokenize("ＡＩ赋能数字经济：2023年增长10%（RCEP）")
    assert {"ai", "数字", "经济", "2023", "增长", "rcep"} <= set(tokens)
    assert not any(t in {"：", "（", "）", "%"} for t in tokens)


def test_numbers_are_kept(tokenize):
    assert "53.9" in tokenize("规模达到53.9万亿元") or "53" in tokenize("规模达到53.9万亿元")


def test_empty_and_punctuation_only(tokenize):
    assert tokenize("") == []
    assert tokenize("，。！？ ... ---") == []


def test_rejects_non_strings(tokenize):
    with pytest.raises(TypeError):
        tokenize(None)
