"""The local and OpenAI back-ends against the real bundled models (slow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.chat_models import LlamaCppChatModel, LlamaCppError
from assistant.chat_models.llamacpp_chat_model import load_server
from reportqa.models import ModelRegistry

MODELS = ModelRegistry(cache_dir=Path.home() / ".cache/reportqa")
SMALL_MODEL = MODELS.model_dir("qwen2.5-coder-0.5b-instruct-q4") / "model.gguf"
MESSAGES = [SystemMessage("Reply with digits only."), HumanMessage("Count from 1 to 5, separated by commas.")]


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="GGUF model not found"):
        LlamaCppChatModel(model_path=str(tmp_path / "absent.gguf"))


@pytest.fixture(scope="module")
def small_model() -> LlamaCppChatModel:
    if not SMALL_MODEL.is_file():
        pytest.fail(f"{SMALL_MODEL} is not assembled (reportqa models pull qwen2.5-coder-0.5b-instruct-q4)")
    return LlamaCppChatModel(model_path=str(SMALL_MODEL), n_ctx=1024, max_tokens=24, temperature=0)


@pytest.mark.slow
def test_generate_and_stream_agree(small_model):
    assert isinstance(small_model, BaseChatModel)
    whole = small_model.invoke(MESSAGES).content
    pieces = [chunk.content for chunk in small_model.stream(MESSAGES)]
    assert "1" in whole and "5" in whole
    assert len([p for p in pieces if p]) > 3, "tokens arrive one by one"
    assert "".join(pieces) == whole  # temperature 0, same seed


@pytest.mark.slow
def test_the_server_is_loaded_once_per_configuration(small_model):
    other = LlamaCppChatModel(model_path=str(SMALL_MODEL), n_ctx=1024, max_tokens=8)
    assert other.server is small_model.server


@pytest.mark.slow
def test_stopping_the_stream_early_stops_generation(small_model):
    stream = small_model.stream(MESSAGES, max_tokens=64)
    first = next(chunk for chunk in stream if chunk.content)
    stream.close()
    assert first.content
    assert small_model.invoke(MESSAGES).content  # the server is free for the next request


@pytest.mark.slow
def test_prompt_longer_than_the_window_raises(small_model):
    with pytest.raises(LlamaCppError, match="context"):
        small_model.invoke([HumanMessage("数字经济" * 2000)])


@pytest.mark.slow
def test_openai_backend_against_a_local_openai_compatible_server(small_model):
    """llama.cpp's embedded server listens on 127.0.0.1 with OpenAI routes: talk to it with
    ChatOpenAI exactly as to any remote endpoint."""
    from langchain_openai import ChatOpenAI

    server = load_server(small_model.model_path, n_ctx=small_model.n_ctx, n_threads=small_model.n_threads)
    base_url = server.listening_address + "/v1"
    assert base_url.startswith("http://127.0.0.1:")
    model = ChatOpenAI(base_url=base_url, api_key="local", model="qwen", max_tokens=24, temperature=0)
    answer = model.invoke(MESSAGES).content
    streamed = "".join(chunk.content for chunk in model.stream(MESSAGES))
    assert "1" in answer and "5" in answer
    assert streamed == answer


@pytest.mark.slow
def test_the_model_pauses_between_tokens_while_a_preview_runs(small_model):
    import threading
    import time

    from assistant.foreground import FOREGROUND
    from assistant_test_doubles import preview_running

    pausing = small_model.model_copy(update={"pause_for_previews": 30.0})
    arrived: list[str] = []
    with preview_running(FOREGROUND):
        reader = threading.Thread(target=lambda: arrived.extend(c.content for c in pausing.stream(MESSAGES)))
        reader.start()
        deadline = time.monotonic() + 120
        while not arrived and time.monotonic() < deadline:  # llama.cpp reads the prompt, writes a token
            time.sleep(0.05)
        time.sleep(1.0)  # ... and would write many more in a second, were it not held
        assert len(arrived) == 1 and reader.is_alive()
    reader.join(120)
    assert "".join(arrived) == small_model.invoke(MESSAGES).content


def _thread_nice(tid: int) -> int:
    return int(Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="per-thread nice values are Linux's")
def test_a_niced_model_runs_its_threads_below_the_process_and_leaves_the_caller_alone():
    import os
    import threading

    before = {int(t) for t in os.listdir("/proc/self/task")}
    caller = os.getpriority(os.PRIO_PROCESS, 0)
    model = LlamaCppChatModel(model_path=str(SMALL_MODEL), n_ctx=512, max_tokens=4, temperature=0, nice=7).load()
    assert "1" in model.invoke(MESSAGES).content
    started = {int(t) for t in os.listdir("/proc/self/task")} - before
    assert started, "llama.cpp started threads of its own"
    assert {_thread_nice(t) for t in started} == {min(19, caller + 7)}
    assert os.getpriority(os.PRIO_PROCESS, 0) == caller
    assert _thread_nice(threading.get_native_id()) == caller
