"""Interface language tables and the app's construction."""

from __future__ import annotations

import dataclasses

import gradio as gr
import pytest
from ui_fakes import FakeLibrary, ScriptedAssistant

from ui.app import build_app
from ui.feedback_store import FeedbackStore
from ui.labels import LABELS, language_from_accept


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("zh-TW", "zh"),
        ("fr-FR,fr;q=0.9,zh;q=0.5,en;q=0.4", "zh"),
        ("en;q=0.2,zh;q=0.8", "zh"),  # quality beats position
        ("de-DE", "en"),
        ("", "en"),
        (None, "en"),
        ("zh;q=abc,en", "en"),
    ],
)
def test_language_follows_the_browser(header, language):
    assert language_from_accept(header) == language


def test_both_languages_label_the_same_things():
    zh, en = LABELS["zh"], LABELS["en"]
    for field in dataclasses.fields(zh):
        zh_value, en_value = getattr(zh, field.name), getattr(en, field.name)
        assert type(zh_value) is type(en_value), field.name
        if isinstance(zh_value, dict) and field.name != "reject_reasons":  # English uses UploadRejected's own
            assert zh_value.keys() == en_value.keys(), field.name
        if isinstance(zh_value, str):
            assert zh_value.strip() and en_value.strip(), field.name
            assert zh_value != en_value, field.name


def make_app(tmp_path, **options):
    return build_app(assistant_factory=lambda backend, passages: ScriptedAssistant([]), library=FakeLibrary(),
                     feedback_store=FeedbackStore(tmp_path / "f.sqlite"), **options)


def test_the_app_builds_with_a_queue_and_limits(tmp_path):
    app = make_app(tmp_path, backends=("local", "extractive"), concurrency=2)
    assert isinstance(app, gr.Blocks)
    assert app._queue.default_concurrency_limit == 2
    limits = {fn.concurrency_id: fn.concurrency_limit for fn in app.fns.values() if fn.concurrency_id in ("preview", "generate", "library")}
    assert limits == {"preview": 4, "generate": 2, "library": 1}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"backends": ("local", "gpt")}, "backends"),
        ({"backends": ("extractive",), "default_backend": "local"}, "default_backend"),
        ({"default_passages": 0}, "default_passages"),
        ({"concurrency": 0}, "concurrency"),
    ],
)
def test_bad_options_are_refused(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        make_app(tmp_path, **options)


def test_indexing_shows_one_progress_indicator_on_the_library_message(tmp_path):
    """Adding reports reports progress in the interface language on the message box only, not as
    the index's English tqdm bars copied onto every output of the event."""
    app = make_app(tmp_path)
    message = next(block for block in app.blocks.values() if getattr(block, "elem_id", None) == "rq-library-message")
    [add] = [fn for fn in app.fns.values() if fn.name == "add_uploads"]
    assert len(add.outputs) > 1
    assert [block._id for block in add.show_progress_on] == [message._id]
    assert add.tracks_progress and add.fn.__defaults__[0].track_tqdm is False


def test_the_server_starts_when_its_page_is_slow_to_answer_the_first_look(tmp_path, monkeypatch):
    # Regression: on a busy machine Gradio's own look at its page failed while the server thread
    # was starting, and Gradio then refused to start ("a shareable link must be created").
    import socket

    import httpx
    from gradio import networking

    from ui.app import launch_app

    monkeypatch.setattr(networking, "url_ok", lambda url: False)  # the look fails, as under load
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(tmp_path)
    url = launch_app(app, port=port)
    try:
        assert httpx.get(url, timeout=30).status_code == 200
    finally:
        app.close()
