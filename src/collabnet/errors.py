"""Errors meant for the user: the command line prints them without a traceback."""

from __future__ import annotations

__all__ = ["CollabnetError", "InputError"]


class CollabnetError(Exception):
    """Base class of every error whose message is written for the user."""


class InputError(CollabnetError, ValueError):
    """Bad input: names the file, the record (line number or id) and what is wrong.

    Examples
    --------
    >>> str(InputError("works.jsonl", "not valid JSON", line=3))
    'works.jsonl, line 3: not valid JSON'
    """

    def __init__(self, path, message: str, *, line: int | None = None, record: str | None = None):
        self.path = str(path)
        self.line = line
        self.record = record
        self.message = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if record:
            where += f" ({record})"
        super().__init__(f"{where}: {message}")
