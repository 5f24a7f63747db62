"""A LangChain chat model over a local GGUF file, run in-process by llama.cpp (xllamacpp).

xllamacpp embeds llama.cpp's own server: requests are OpenAI-shaped dicts, streaming goes through
a callback, and the server keeps each slot's KV cache, so a prompt sharing a prefix with the
previous one (the fixed system message) is only read from where it differs (``cache_prompt``).
One server per (model, context, threads) is loaded per process and shared by every instance.
Note: the embedded server also listens on 127.0.0.1 (random port), which the OpenAI back-end test
uses as its local endpoint.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr, field_validator

from assistant.foreground import FOREGROUND

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_SERVERS: dict[tuple[str, int, int], Any] = {}
_SERVERS_LOCK = threading.Lock()
_DONE = object()


class LlamaCppError(RuntimeError):
    """llama.cpp rejected a request (e.g. the prompt exceeds the context window)."""


def load_server(model_path: str, *, n_ctx: int, n_threads: int, nice: int = 0):
    """The process-wide llama.cpp server for this model and configuration (loaded on first use).

    ``nice`` > 0 lowers the CPU priority of llama.cpp's threads only (on Linux a thread's nice
    value is its own, and threads inherit it from the thread that creates them): work at the
    process's own priority, such as the previews of people who just asked, then gets the cores
    first, even while the model reads a prompt, which no pause between tokens can interrupt."""
    key = (str(Path(model_path).resolve()), n_ctx, n_threads, nice)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            import xllamacpp

            params = xllamacpp.CommonParams()
            params.model.path = key[0]
            params.n_ctx = n_ctx
            params.n_parallel = 1  # one slot: consecutive prompts always reuse its prefix cache
            params.cache_prompt = True
            params.cache_ram_mib = 256
            params.cpuparams.n_threads = n_threads
            params.cpuparams_batch.n_threads = n_threads
            params.warmup = False
            params.verbosity = -1  # llama.cpp logs nothing unless a request fails
            server = _create_niced(lambda: xllamacpp.Server(params), nice)
            _SERVERS[key] = server
        return server


def _create_niced(create: Callable[[], Any], nice: int) -> Any:
    """``create()`` run in a short-lived thread whose nice value is raised by ``nice``, so that
    every thread it starts inherits the lower priority (the caller's own priority is untouched)."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return create()
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, min(19, os.getpriority(os.PRIO_PROCESS, 0) + nice))
            result.append(create())
        except BaseException as exc:  # re-raised in the caller
            failure.append(exc)

    thread = threading.Thread(target=run, name="llamacpp-load")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


class LlamaCppChatModel(BaseChatModel):
    """Chat completions from a GGUF model through xllamacpp, with token streaming."""

    model_path: str
    n_ctx: int = Field(4096, ge=256)
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    max_tokens: int = Field(256, ge=1)
    temperature: float = Field(0.0, ge=0, le=2)
    top_p: float = Field(0.9, gt=0, le=1)
    seed: int = 42
    # Seconds the model may pause between two tokens while previews run (0: never pauses).
    pause_for_previews: float = Field(0.0, ge=0)
    # How much lower than the process the model's threads run (Linux nice, 0: the same).
    nice: int = Field(0, ge=0, le=19)
    # Accepts a llama.cpp GBNF ``grammar`` (and ``json_schema``/``response_format``) per call.
    supports_grammar: ClassVar[bool] = True

    _server: Any = PrivateAttr(default=None)

    @field_validator("model_path")
    @classmethod
    def _model_exists(cls, value: str) -> str:
        path = Path(value).expanduser()
        if not path.is_file():
            raise ValueError(f"GGUF model not found: {path}")
        return str(path)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "n_ctx": self.n_ctx,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "seed": self.seed,
        }

    def load(self) -> LlamaCppChatModel:
        """Load the weights now rather than on the first question (previews asked during the
        load took 2.6-4.8 s instead of under 1: benchmarks/README.md "Load", session 7)."""
        _ = self.server
        return self

    @property
    def server(self):
        if self._server is None:
            self._server = load_server(self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                                       nice=self.nice)
        return self._server

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        request = {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.content} for m in messages],
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "top_p": kwargs.get("top_p", self.top_p),
            "seed": kwargs.get("seed", self.seed),
            "cache_prompt": True,
        }
        if stop:
            request["stop"] = list(stop)
        for key in ("response_format", "json_schema", "grammar"):  # constrained output (llama.cpp)
            if kwargs.get(key) is not None:
                request[key] = kwargs[key]
        return request

    @staticmethod
    def _raise_on_error(response: Any) -> None:
        if isinstance(response, dict) and "error" in response:
            error = response["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            raise LlamaCppError(f"llama.cpp: {message}")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        response = self.server.handle_chat_completions(self._request(messages, stop, **kwargs))
        self._raise_on_error(response)
        choice = response["choices"][0]
        message = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": choice.get("finish_reason"), "timings": response.get("timings")},
            usage_metadata=_usage(response.get("usage")),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # llama.cpp calls back from inside a blocking call: run it in a thread and hand the
        # deltas over through a queue. Returning True from the callback stops generation, which
        # happens when the consumer stops iterating.
        deltas: queue.Queue = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            deltas.put(chunk)
            FOREGROUND.pause_while_busy(self.pause_for_previews)  # llama.cpp waits while we do
            return cancelled.is_set()

        def run() -> None:
            try:
                response = self.server.handle_chat_completions(
                    {**self._request(messages, stop, **kwargs), "stream": True}, on_chunk
                )
                if response is not None:
                    deltas.put(response)
            except Exception as exc:  # handed to the consumer thread
                deltas.put(exc)
            finally:
                deltas.put(_DONE)

        worker = threading.Thread(target=run, name="llamacpp-stream", daemon=True)
        worker.start()
        try:
            while (item := deltas.get()) is not _DONE:
                if isinstance(item, Exception):
                    raise item
                self._raise_on_error(item)
                for choice in item.get("choices", []):
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
                    if choice.get("finish_reason"):
                        yield ChatGenerationChunk(
                            message=AIMessageChunk(content=""),
                            generation_info={"finish_reason": choice["finish_reason"], "timings": item.get("timings")},
                        )
        finally:
            cancelled.set()
            worker.join()


def _usage(usage: dict[str, Any] | None) -> dict[str, int] | None:
    if not usage:
        return None
    return {
        "input_tokens": usage.get("prompt_tokens", 0),
        "output_tokens": usage.get("completion_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0),
    }
