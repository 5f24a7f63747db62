"""The one table of answer-stage names (keys of ``Answer.timings``) in both interface languages.

The assistant's stages change as it evolves: a name missing here is shown as it is (with
underscores as spaces), never dropped and never an error.
"""

from __future__ import annotations

from collections.abc import Mapping

# stage -> (zh, en)
STAGE_NAMES: Mapping[str, tuple[str, str]] = {
    "rewrite": ("改写问题", "rewrite"),
    "retrieve": ("检索", "retrieval"),
    "retrieval": ("检索", "retrieval"),
    "answerability": ("判断可答性", "answerability check"),
    "preview": ("摘录", "extract"),
    "first_token": ("首字", "first token"),
    "generate": ("生成", "generation"),
    "generation": ("生成", "generation"),
    "check": ("核对引文", "citation check"),
    "repair": ("译出残留中文", "translation repair"),  # Chinese left in an English answer
    "total": ("合计", "total"),
}
_COLUMN = {"zh": 0, "en": 1}


def stage_names(lang: str) -> dict[str, str]:
    """Every known stage's label in ``lang`` ("zh" or "en")."""
    column = _COLUMN[lang]
    return {stage: names[column] for stage, names in STAGE_NAMES.items()}


def stage_label(stage: str, names: Mapping[str, str]) -> str:
    """``stage``'s label from ``names`` (see ``stage_names``), or the name itself if unknown."""
    return names.get(stage) or stage.replace("_", " ")
