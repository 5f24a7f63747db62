"""The web server's upload cache is bounded: in the data directory, capped at the upload limit,
emptied of handled uploads at once and of forgotten ones after an age."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
from ui_fakes import FakeLibrary, ScriptedAssistant

from ui.app import build_app, launch_app
from ui.feedback_store import FeedbackStore
from ui.library_handlers import LibraryHandlers
from ui.library_manager import AddReport
from ui.upload_policy import UploadRejected


class RejectingManager(FakeLibrary):
    def add_files(self, files, *, progress):
        return AddReport(rejected=[(name, UploadRejected("binary")) for _, name in files])


def test_handled_uploads_are_deleted_from_the_upload_cache_only(tmp_path):
    # Regression: every posted file stayed in Gradio's folder for good, rejected ones included.
    cache = tmp_path / "cache"
    posted = [cache / "a1" / "report.txt", cache / "b2" / "other.pdf"]
    for path in posted:
        path.parent.mkdir(parents=True)
        path.write_bytes(b"\x00binary")
    elsewhere = tmp_path / "mine.txt"
    elsewhere.write_text("not an upload", encoding="utf-8")
    handlers = LibraryHandlers(manager=RejectingManager(), upload_cache=cache)
    view = handlers.add([str(p) for p in posted] + [str(elsewhere)], "en")
    assert view.message.count("rq-msg-error") == 3
    assert not any(p.exists() or p.parent.exists() for p in posted)
    assert cache.is_dir() and elsewhere.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_server_keeps_uploads_in_the_given_folder_and_refuses_oversize_ones(tmp_path, monkeypatch):
    # Regression: uploads of any size up to twice the limit went to the system's temporary folder.
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)  # build_app sets it; restored afterwards
    cache = tmp_path / "data" / "gradio-uploads"
    app = build_app(assistant_factory=lambda backend, passages: ScriptedAssistant([]), library=FakeLibrary(),
                    feedback_store=FeedbackStore(tmp_path / "f.sqlite"), upload_cache=cache, upload_max_age=120)
    assert app.delete_cache == (120, 120)
    url = launch_app(app, port=_free_port(), max_upload_mb=0.01)  # about 10 KB
    try:
        upload = url.rstrip("/") + "/gradio_api/upload"
        too_big = httpx.post(upload, files={"files": ("big.txt", b"x" * 20_000)}, timeout=30)
        assert too_big.status_code == 413
        small = httpx.post(upload, files={"files": ("small.txt", "数字经济。".encode())}, timeout=30)
        assert small.status_code == 200
        stored = Path(small.json()[0])
        assert stored.resolve().is_relative_to(cache.resolve()) and stored.read_bytes() == "数字经济。".encode()
        assert not any(path.name == "big.txt" for path in cache.rglob("*"))
    finally:
        app.close()
