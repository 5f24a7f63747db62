"""Build the components from settings; every model is loaded once per process.

Owners: the index part (make_embeddings, make_pipeline, open_index, make_retriever) and the
assistant part (make_chat_model, make_assistant) are filled in by their packages' authors.
"""

from __future__ import annotations

from reportqa.settings import Settings


def make_embeddings(settings: Settings):
    raise NotImplementedError


def make_pipeline(settings: Settings):
    raise NotImplementedError


def open_index(settings: Settings):
    raise NotImplementedError


def make_retriever(settings: Settings, index):
    raise NotImplementedError


def make_chat_model(settings: Settings, backend: str):
    raise NotImplementedError


def make_assistant(settings: Settings, backend: str | None = None):
    raise NotImplementedError
