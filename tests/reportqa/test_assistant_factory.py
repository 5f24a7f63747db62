"""The UI's assistants are cached per library snapshot version, and nothing else decides."""

from __future__ import annotations

from types import SimpleNamespace

import reportqa.factory as factory
from reportqa.commands.serve import AssistantFactory
from reportqa.settings import load_settings


class VersionedLibrary:
    def __init__(self):
        self.snapshot = SimpleNamespace(version=1)

    def current(self):
        return self.snapshot


def test_one_assistant_per_backend_and_passages_until_the_version_changes(tmp_path, monkeypatch):
    made = []
    monkeypatch.setattr(factory, "make_retriever", lambda settings, index: ("retriever", index.version))
    monkeypatch.setattr(factory, "make_assistant", lambda settings, backend, *, retriever: made.append(
        (backend, settings.assistant.retrieve["passages"], retriever)) or object())
    library = VersionedLibrary()
    assistants = AssistantFactory(load_settings({"data_dir": str(tmp_path)}), library)

    first = assistants("extractive", 5)
    assert assistants("extractive", 5) is first and len(made) == 1
    assert assistants("extractive", 3) is not first and made[-1] == ("extractive", 3, ("retriever", 1))

    library.snapshot = SimpleNamespace(version=2)  # written here or by another process: same signal
    second = assistants("extractive", 5)
    assert second is not first and made[-1] == ("extractive", 5, ("retriever", 2))
    assert assistants("extractive", 5) is second and len(made) == 3
