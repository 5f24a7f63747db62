"""Fixtures for the assistant tests (the doubles live in assistant_test_doubles.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from langchain_core.messages import BaseMessage

from assistant_test_doubles import LIBRARY, LexicalRetriever, ScriptedChatModel
from hash_embeddings import HashEmbeddings
from ingest.document import Chunk


@pytest.fixture
def library() -> list[Chunk]:
    return list(LIBRARY)


@pytest.fixture
def retriever(library) -> LexicalRetriever:
    return LexicalRetriever(chunks=library)


@pytest.fixture
def embeddings() -> HashEmbeddings:
    return HashEmbeddings(dimension=256)


@pytest.fixture
def scripted():
    def make(reply: str | Callable[[list[BaseMessage]], str]) -> ScriptedChatModel:
        return ScriptedChatModel(reply=reply if callable(reply) else (lambda _messages: reply))

    return make
