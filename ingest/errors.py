"""Exceptions that cross the library/CLI boundary with a user-facing message."""

from __future__ import annotations


class IngestError(Exception):
    """Base class: its message is shown to the user as one line."""


class InputError(IngestError):
    """One input (a file, a line of a file) could not be read; other inputs can go on."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class WorkerLost(IngestError):
    """A ``-j`` worker process died mid-run (killed by a signal: the OOM killer, kill -9)."""


class BinaryInputError(ValueError):
    """Raised by the decoder for bytes that are not text in any encoding."""
