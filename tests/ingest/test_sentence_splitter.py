"""Sentence boundaries: abbreviations are judged from the word before the full stop alone."""

from __future__ import annotations

from ingest.sentence_splitter import split_sentences


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Trade with the U.S. grew, e.g. in Fig. 3 by Dr. Lee. Then it fell."
    assert _sentences(text) == ["Trade with the U.S. grew, e.g. in Fig. 3 by Dr. Lee.", "Then it fell."]


def test_a_long_word_before_a_full_stop_ends_the_sentence():
    # Regression: the word before each full stop was searched from the start of the text, which
    # made splitting quadratic; it is now searched in a short window before the stop, and a word
    # running past that window is no abbreviation, even if it ends like one (“…co.”); one with
    # dots in the window still is.
    long_word = "x" * 200 + "co"
    assert _sentences(f"It is {long_word}. Next one.") == [f"It is {long_word}.", "Next one."]
    assert _sentences(f"A {'y' * 30}.e.g. Last.") == [f"A {'y' * 30}.e.g. Last."]


def test_many_sentences_far_into_a_text_split_like_the_first_ones():
    sentence = "The share rose by 3.5% in the U.S. market, approx. twice the rate of 2019. "
    text = sentence * 2000
    sentences = _sentences(text)
    assert len(sentences) == 2000
    assert set(sentences) == {sentence.strip()}
