"""``reportqa serve``'s options: where it listens, login, which back-ends it offers."""

from __future__ import annotations

import pytest

from reportqa.cli import build_parser, settings_from_args
from reportqa.commands.serve import _auth, _offered_backends
from reportqa.errors import CommandError
from reportqa.settings import load_settings


def test_host_and_port_flags_override_the_ui_settings(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no reportqa.toml
    settings = settings_from_args(build_parser().parse_args(["serve"]))
    assert (settings.ui.host, settings.ui.port) == ("127.0.0.1", 7860)  # this machine only by default
    settings = settings_from_args(build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123"]))
    assert (settings.ui.host, settings.ui.port) == ("0.0.0.0", 8123)


def test_login_needs_both_name_and_password():
    assert _auth(load_settings({})) is None
    assert _auth(load_settings({"ui.username": "staff", "ui.password": "s3cret"})) == ("staff", "s3cret")
    with pytest.raises(CommandError, match="both ui.username and ui.password"):
        _auth(load_settings({"ui.username": "staff"}))


def test_openai_is_offered_only_when_configured():
    assert _offered_backends(load_settings({})) == ("local", "extractive")
    configured = load_settings({"assistant.openai_base_url": "http://127.0.0.1:8080/v1", "assistant.openai_model": "qwen"})
    assert _offered_backends(configured) == ("local", "openai", "extractive")
