"""Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint (vLLM, TEI, Infinity, llama.cpp)."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from index.embeddings.base import VectorEmbeddings

OPENAI_PREFIX = "openai:"


class OpenAIEndpointEmbeddings(VectorEmbeddings):
    """A model served behind an OpenAI-compatible embeddings API, e.g. EmbeddingGemma on a GPU box.

    Documents are sent in batches of ``batch_size`` with at most ``concurrency`` requests in
    flight; the openai client retries failed requests (connection errors, 408/409/429/5xx) up to
    ``max_retries`` times with exponential back-off. The server embeds exactly what it is sent,
    so the model's retrieval prompts are prepended here.

    The index records ``name`` (``openai:<model>``), the model name the endpoint reports and a
    fingerprint derived from them: a server's weights cannot be hashed from here, so two
    endpoints serving the same model name count as the same embedder. ``base_url`` is not part
    of the identity: the GPU box that built the index and the laptops that query it may reach
    the same server under different addresses.
    """

    backend = "openai"
    quantization = "endpoint"

    def __init__(
        self,
        *,
        model: str,
        base_url: str,
        api_key: str | None = None,
        batch_size: int = 32,
        concurrency: int = 4,
        max_retries: int = 3,
        timeout: float = 120.0,
        query_prompt: str = "",
        document_prompt: str = "",
    ):
        if not isinstance(model, str) or not model.strip():
            raise ValueError("model must be the non-empty model name the endpoint serves")
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL such as http://127.0.0.1:7997/v1, got {base_url!r}")
        for option, value, low in (("batch_size", batch_size, 1), ("concurrency", concurrency, 1),
                                   ("max_retries", max_retries, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{option} must be an integer >= {low}, got {value!r}")
        if not timeout or timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        super().__init__(name=OPENAI_PREFIX + model,
                         fingerprint=hashlib.sha256(f"{OPENAI_PREFIX}{model}".encode()).hexdigest())
        self.model = model
        self.base_url = base_url
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.query_prompt = query_prompt
        self.document_prompt = document_prompt
        self.endpoint_model: str | None = None  # the model name in the endpoint's answers
        self._api_key = api_key or "not-needed"  # local servers accept any key
        self._max_retries = max_retries
        self._timeout = timeout
        self._client: Any = None
        self._dimension: int | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    from openai import OpenAI

                    self._client = OpenAI(base_url=self.base_url, api_key=self._api_key,
                                          max_retries=self._max_retries, timeout=self._timeout)
        return self._client

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._request([self.document_prompt + "dimension probe"])
        assert self._dimension is not None
        return self._dimension

    def _request(self, texts: list[str]) -> np.ndarray:
        from openai import OpenAIError

        try:
            response = self.client.embeddings.create(model=self.model, input=texts, encoding_format="float")
        except OpenAIError as exc:
            raise RuntimeError(f"the embedding endpoint {self.base_url} failed for model {self.model!r}: {exc}") from exc
        rows = sorted(response.data, key=lambda item: item.index)
        if len(rows) != len(texts):
            raise ValueError(f"{self.base_url} returned {len(rows)} vectors for {len(texts)} texts")
        vectors = np.asarray([row.embedding for row in rows], dtype=np.float32)
        with self._lock:
            if self._dimension is None:
                self._dimension = int(vectors.shape[1])
            if self.endpoint_model is None:
                self.endpoint_model = str(response.model or self.model)
        return vectors

    def _embed(self, texts: list[str]) -> np.ndarray:
        batches = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        if len(batches) == 1:
            return self._request(batches[0])
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches))) as pool:
            return np.concatenate(list(pool.map(self._request, batches)), axis=0)

    def _encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.document_prompt + t for t in texts])

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.query_prompt + t for t in texts])

    def config(self) -> dict[str, Any]:
        if self.endpoint_model is None:
            self.dimension  # noqa: B018 - one request tells the endpoint's model name
        return {**super().config(), "endpoint_model": self.endpoint_model,
                "query_prompt": self.query_prompt, "document_prompt": self.document_prompt}
