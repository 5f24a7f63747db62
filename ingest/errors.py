"""Errors raised while reading documents: one clear message per file."""


class IngestError(Exception):
    """A file could not be turned into a document; the message says which and why."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
