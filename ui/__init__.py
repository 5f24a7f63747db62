"""The Gradio interface: chat with cited answers, the library, feedback.

Names are imported lazily so that e.g. ``ui.feedback_store`` does not pay for importing Gradio.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "build_app": "ui.app",
    "launch_app": "ui.app",
    "FeedbackStore": "ui.feedback_store",
    "LibraryManager": "ui.library_manager",
    "UploadPolicy": "ui.upload_policy",
    "UploadRejected": "ui.upload_policy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ui' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
