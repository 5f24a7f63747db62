"""Errors the CLI prints as one line, without a traceback."""


class CommandError(Exception):
    """A failure the user can act on; ``exit_code`` is what the CLI returns."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code
