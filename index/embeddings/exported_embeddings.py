"""A sentence-transformers model exported to one ONNX graph, run by ONNX Runtime or OpenVINO."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from index.embeddings.base import VectorEmbeddings

RUNTIMES = ("onnx", "openvino")


class ExportedEmbeddings(VectorEmbeddings):
    """The whole sentence-transformers pipeline (transformer, pooling, dense layers) as one ONNX
    graph ``(input_ids, attention_mask) -> sentence_embedding``, exported once by
    ``reportqa models export``; tokenizer and prompts come from the original model folder.

    Texts are sorted by length before batching, so a batch pads to the length of its own texts
    and not to the longest text of the whole call; rows are returned in the caller's order.

    Args:
        model_file: the exported ``.onnx`` file.
        tokenizer_dir: the sentence-transformers folder it was exported from (tokenizer, prompts).
        name / fingerprint: as for every embedder; the fingerprint is the sha256 of ``model_file``.
        runtime: ``"onnx"`` (ONNX Runtime) or ``"openvino"`` (OpenVINO reading the same file).
        quantization: what the export did to the weights (``"fp32"``, ``"qint8"``), recorded in
            the index manifest.
        threads: intra-op threads (default: every core).
        batch_size: texts per forward pass.
        max_length: tokens per text before truncation (the model's ``max_seq_length``).
    """

    def __init__(
        self,
        model_file: str | Path,
        tokenizer_dir: str | Path,
        *,
        name: str,
        fingerprint: str,
        runtime: str = "onnx",
        quantization: str = "qint8",
        query_prompt_name: str | None = "query",
        document_prompt_name: str | None = "document",
        threads: int | None = None,
        batch_size: int = 16,
        max_length: int = 2048,
        dimension: int | None = None,
        source_fingerprint: str | None = None,
    ):
        super().__init__(name=name, fingerprint=fingerprint)
        model_file, tokenizer_dir = Path(model_file).expanduser(), Path(tokenizer_dir).expanduser()
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        if not model_file.is_file():
            raise ValueError(f"{model_file} does not exist; run: reportqa models export")
        if not (tokenizer_dir / "tokenizer.json").is_file():
            raise ValueError(f"{tokenizer_dir} has no tokenizer.json (the model folder the export came from)")
        for option, value in (("threads", threads), ("batch_size", batch_size), ("max_length", max_length),
                              ("dimension", dimension)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{option} must be a positive integer, got {value!r}")
        self.model_file = model_file
        self.tokenizer_dir = tokenizer_dir
        self.runtime = runtime
        self.backend = runtime
        self.quantization = quantization
        self.threads = threads or os.cpu_count() or 1
        self.batch_size = batch_size
        self.max_length = max_length
        self.source_fingerprint = source_fingerprint
        self.prompts = _read_prompts(tokenizer_dir)
        for prompt_name in (query_prompt_name, document_prompt_name):
            if prompt_name is not None and prompt_name not in self.prompts:
                raise ValueError(f"{tokenizer_dir} has no prompt named {prompt_name!r} "
                                 f"(known: {', '.join(sorted(self.prompts)) or 'none'})")
        self.query_prompt_name = query_prompt_name
        self.document_prompt_name = document_prompt_name
        self._declared_dimension = dimension
        self._session: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        if self._declared_dimension is None:
            self._declared_dimension = int(self._run(["dimension probe"]).shape[1])
        return self._declared_dimension

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._load_lock:
            if self._session is not None:
                return
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.tokenizer_dir / "tokenizer.json"))
            tokenizer.enable_truncation(self.max_length)
            tokenizer.no_padding()  # each batch is padded to its own longest text below
            self._tokenizer = tokenizer
            self._session = _onnxruntime_session(self) if self.runtime == "onnx" else _openvino_session(self)

    def _run(self, texts: list[str]) -> np.ndarray:
        """Sentence vectors in the order of ``texts``, batched shortest first."""
        self._load()
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out: np.ndarray | None = None
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)  # Gemma's pad id is 0
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            vectors = self._session(ids, mask)
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        assert out is not None
        return out

    def _encode_documents(self, texts: list[str]) -> np.ndarray:
        prefix = self.prompts.get(self.document_prompt_name, "") if self.document_prompt_name else ""
        return self._run([prefix + t for t in texts])

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        prefix = self.prompts.get(self.query_prompt_name, "") if self.query_prompt_name else ""
        return self._run([prefix + t for t in texts])

    def config(self) -> dict[str, Any]:
        return {
            **super().config(),
            "query_prompt_name": self.query_prompt_name,
            "document_prompt_name": self.document_prompt_name,
            "source_fingerprint": self.source_fingerprint,
        }


def _read_prompts(folder: Path) -> dict[str, str]:
    path = folder / "config_sentence_transformers.json"
    if not path.is_file():
        return {}
    try:
        prompts = json.loads(path.read_text(encoding="utf-8")).get("prompts") or {}
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from exc
    return {str(k): str(v) for k, v in prompts.items()}


def _onnxruntime_session(embeddings: ExportedEmbeddings):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = embeddings.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(embeddings.model_file), options, providers=["CPUExecutionProvider"])
    output = session.get_outputs()[0].name

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return session.run([output], {"input_ids": ids, "attention_mask": mask})[0]

    return run


def _openvino_session(embeddings: ExportedEmbeddings):
    import openvino as ov

    core = ov.Core()
    compiled = core.compile_model(
        core.read_model(str(embeddings.model_file)), "CPU",
        {"INFERENCE_NUM_THREADS": embeddings.threads, "PERFORMANCE_HINT": "LATENCY"},
    )
    request = compiled.create_infer_request()
    lock = threading.Lock()  # one infer request: calls from several threads take turns

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with lock:
            result = request.infer({"input_ids": ids, "attention_mask": mask})
            return np.array(result[compiled.outputs[0]], dtype=np.float32)

    return run
