"""What the library tab's controls do, as plain Python (Gradio only wires them)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from ui.answer_markup import escape
from ui.labels import UILabels, labels_for
from ui.library_manager import AddReport, LibraryManager

logger = logging.getLogger(__name__)

Progress = Callable[..., Any]


class LibraryView(NamedTuple):
    """The outputs every library change refreshes, in the order the app wires them."""

    message: str
    documents: pd.DataFrame
    status: str
    choices: list[tuple[str, str]]


def _message(lines: Sequence[tuple[str, str]]) -> str:
    """(kind, text) lines as escaped HTML; kind is "ok" or "error"."""
    if not lines:
        return ""
    items = "".join(f'<li class="rq-msg-{escape(kind)}">{escape(text)}</li>' for kind, text in lines)
    return f'<ul class="rq-messages">{items}</ul>'


def _short_time(value: object, *, seconds: bool = True) -> str:
    """An ISO timestamp as "YYYY-MM-DD HH:MM[:SS]"."""
    text = str(value or "")
    return text.replace("T", " ")[:19 if seconds else 16]


class LibraryHandlers:
    """Args:
    manager: the library being shown and changed.
    upload_cache: the web server's folder of posted files; an upload found there is deleted once
        handled (added files are copied into the library first, rejected ones are not kept).
    """

    def __init__(self, *, manager: LibraryManager, upload_cache: str | Path | None = None):
        self.manager = manager
        self.upload_cache = Path(upload_cache).resolve() if upload_cache is not None else None

    # ----- rendering -------------------------------------------------------------------
    def documents_frame(self, lang: str) -> pd.DataFrame:
        labels = labels_for(lang)
        rows = [
            [doc.title or doc.doc_id, Path(doc.source).name if doc.source else doc.doc_id, doc.chunks,
             _short_time(doc.indexed_at, seconds=False)]  # minutes keep the column narrow
            for doc in sorted(self.manager.documents(), key=lambda d: d.doc_id)
        ]
        return pd.DataFrame(rows, columns=list(labels.doc_columns))

    def status_html(self, lang: str) -> str:
        labels = labels_for(lang)
        try:
            status = self.manager.status()
        except Exception as exc:  # a damaged index should still show the rest of the tab
            return f'<div class="rq-status-table rq-msg-error">{escape(exc)}</div>'
        rows = []
        for key, name in labels.status_names.items():
            if key not in status or status[key] in (None, ""):
                continue
            value = status[key]
            if key == "built_at":
                value = _short_time(value)
            shown = f"{value}"[:16] + "…" if key.endswith("sha256") and len(str(value)) > 16 else f"{value}"
            rows.append(
                f'<tr><th>{escape(name)}</th><td title="{escape(value)}"><code>{escape(shown)}</code></td></tr>'
            )
        return f'<table class="rq-status-table">{"".join(rows)}</table>'

    def choices(self) -> list[tuple[str, str]]:
        return [
            (f"{doc.title or doc.doc_id} ({doc.doc_id})", doc.doc_id)
            for doc in sorted(self.manager.documents(), key=lambda d: d.doc_id)
        ]

    def view(self, lang: str, message: str = "") -> LibraryView:
        return LibraryView(message, self.documents_frame(lang), self.status_html(lang), self.choices())

    # ----- uploading -------------------------------------------------------------------
    def add(self, files: Sequence[str] | str | None, lang: str, progress: Progress | None = None) -> LibraryView:
        """Check, store and index the uploaded files (temporary paths named as uploaded)."""
        labels = labels_for(lang)
        if not files:
            return self.view(lang, _message([("error", labels.no_files)]))
        paths = [files] if isinstance(files, str) else list(files)
        uploads = [(path, Path(path).name) for path in paths]

        def report_progress(fraction: float, desc: str) -> None:
            if progress is not None:
                stage = labels.progress_index if desc == "index" else labels.progress_copy
                progress(fraction, desc=stage)

        try:
            report = self.manager.add_files(uploads, progress=report_progress)
        finally:
            self._discard(paths)
        return self.view(lang, self.report_html(report, labels))

    def _discard(self, paths: Sequence[str]) -> None:
        """Delete handled uploads (and their per-upload folders) inside the upload cache only."""
        if self.upload_cache is None:
            return
        for path in map(Path, paths):
            resolved = path.resolve()
            if resolved.is_relative_to(self.upload_cache) and resolved != self.upload_cache:
                resolved.unlink(missing_ok=True)
                folder = resolved.parent
                if folder != self.upload_cache and not any(folder.iterdir()):
                    folder.rmdir()

    @staticmethod
    def report_html(report: AddReport, labels: UILabels) -> str:
        lines = [("ok", labels.added.format(name=stored, chunks=chunks)) for _, stored, chunks in report.added]
        lines += [("ok", labels.unchanged.format(name=stored)) for _, stored in report.unchanged]
        lines += [
            ("error", labels.rejected.format(name=name, reason=rejection.message(labels.reject_reasons)))
            for name, rejection in report.rejected
        ]
        return _message(lines)

    # ----- removing ---------------------------------------------------------------------
    def ask_remove(self, doc_id: str | None, lang: str) -> tuple[bool, str]:
        """Whether to show the confirmation, and its question (or why not)."""
        labels = labels_for(lang)
        doc = next((d for d in self.manager.documents() if d.doc_id == doc_id), None)
        if doc is None:
            return False, _message([("error", labels.nothing_selected)])
        return True, f'<p class="rq-confirm">{escape(labels.confirm_remove.format(title=doc.title or doc.doc_id))}</p>'

    def remove(self, doc_id: str | None, lang: str) -> LibraryView:
        labels = labels_for(lang)
        if not doc_id:
            return self.view(lang, _message([("error", labels.nothing_selected)]))
        try:
            info = self.manager.remove(doc_id)
        except Exception as exc:
            logger.exception("removing %s failed", doc_id)
            return self.view(lang, _message([("error", f"{doc_id}: {exc}")]))
        return self.view(lang, _message([("ok", labels.removed.format(title=info.title or info.doc_id))]))
