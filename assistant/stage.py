"""A pipeline stage: one job, a config declared once, ``run(state) -> state``.

Streaming stages (a model writing) also implement ``stream(state)``, which yields text as it is
written and leaves the finished state in ``self``-free form: the generator's return value.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, fields, is_dataclass
from typing import Any, ClassVar, get_type_hints

from pydantic import TypeAdapter, ValidationError

from assistant.answer_state import AnswerState


class Stage:
    """Base class. Subclasses set ``name`` and ``Config`` (a frozen dataclass of the defaults
    and thresholds, each commented with the measurement behind it) and implement ``run``."""

    name: ClassVar[str] = "stage"
    Config: ClassVar[type] = type(None)

    def __init__(self, config: Any = None):
        if config is None and is_dataclass(self.Config):
            config = self.Config()
        if is_dataclass(self.Config) and not isinstance(config, self.Config):
            raise TypeError(f"{type(self).__name__} takes a {self.Config.__name__}, got {type(config).__name__}")
        self.config = config

    def run(self, state: AnswerState) -> AnswerState:
        raise NotImplementedError

    def stream(self, state: AnswerState) -> Generator[str, None, AnswerState]:
        """Text as it is produced; the finished state is the generator's return value."""
        return self.run(state)
        yield  # pragma: no cover - makes this a generator

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.name, **(asdict(self.config) if is_dataclass(self.config) else {})}

    @classmethod
    def config_from_dict(cls, data: dict[str, Any]) -> Any:
        """The ``Config`` serialised by :meth:`to_dict` (unknown keys are an error)."""
        names = {f.name for f in fields(cls.Config)}
        unknown = sorted(set(data) - names - {"stage"})
        if unknown:
            raise ValueError(f"unknown {cls.name} setting(s): {', '.join(unknown)}")
        hints = get_type_hints(cls.Config)
        values = {}
        for key, value in data.items():
            if key not in names:
                continue
            try:  # environment variables arrive as text: "0" -> 0.0, "false" -> False
                values[key] = TypeAdapter(hints[key]).validate_python(value)
            except ValidationError as exc:
                problem = exc.errors()[0]["msg"]
                raise ValueError(f"{cls.name} setting {key}={value!r}: {problem}") from None
        return cls.Config(**values)
