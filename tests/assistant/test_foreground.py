"""Previews go first: a model writing in the background pauses between tokens while one runs."""

from __future__ import annotations

import threading
import time

from assistant.foreground import Foreground
from assistant_test_doubles import preview_running


def test_an_idle_foreground_never_pauses_anyone():
    foreground = Foreground()
    assert not foreground.busy
    assert foreground.pause_while_busy(5.0) == 0.0


def test_a_pause_lasts_until_the_preview_ends():
    foreground = Foreground()
    paused = threading.Event()
    with preview_running(foreground):
        assert foreground.busy
        pauser = threading.Thread(target=lambda: (foreground.pause_while_busy(10.0), paused.set()))
        pauser.start()
        assert not paused.wait(0.2)  # still waiting while the preview runs
    assert paused.wait(10)
    pauser.join(10)
    assert not foreground.busy


def test_a_pause_is_bounded_and_the_count_survives_errors():
    foreground = Foreground()
    with foreground.running():
        started = time.monotonic()
        waited = foreground.pause_while_busy(0.05)
        assert waited >= 0.04 and time.monotonic() - started < 5
    try:
        with foreground.running():
            raise RuntimeError("preview failed")
    except RuntimeError:
        pass
    assert not foreground.busy
    assert Foreground().pause_while_busy(0) == 0.0


def test_the_assistant_s_preview_runs_in_the_foreground(library, embeddings):
    from assistant import Assistant
    from assistant.foreground import FOREGROUND
    from assistant_test_doubles import LexicalRetriever

    seen: list[bool] = []

    class Watching(LexicalRetriever):
        def retrieve(self, query, *, k=None):
            seen.append(FOREGROUND.busy)
            return super().retrieve(query, k=k)

    assistant = Assistant(retriever=Watching(chunks=library), embeddings=embeddings)
    assistant.preview("数字经济规模有多大？")
    assert seen and all(seen) and not FOREGROUND.busy
