"""Temporary files one process writes and the other processes of a run read by path.

Where the system has ``/proc`` (Linux), the file is unnamed (``O_TMPFILE``: nothing is
left behind, whatever kills the run) and the others open it through
``/proc/<pid>/fd/<n>`` while its writer lives. Elsewhere it is a named file in a folder
of the run's, removed with the run.
"""

from __future__ import annotations

import os
import tempfile
from typing import IO

# This process's open readers, by path: each process opens a shared file once.
_READERS: dict[str, int] = {}


def through_proc() -> bool:
    """Whether files are shared through ``/proc`` (else by name)."""
    return os.path.isdir(f"/proc/{os.getpid()}/fd")


class SharedFile:
    """A temporary file this process writes (``file``) and others read by ``path``
    (``read_at``); deleted on ``close``. ``folder``: where a named one goes."""

    def __init__(self, buffering: int = -1, folder: str | None = None) -> None:
        self._named: IO[bytes] | None = None
        if through_proc():
            # Owned by this object, closed by close().
            self.file: IO[bytes] = tempfile.TemporaryFile(buffering=buffering)  # noqa: SIM115
            self.path = f"/proc/{os.getpid()}/fd/{self.file.fileno()}"
        else:
            self._named = tempfile.NamedTemporaryFile(buffering=buffering, dir=folder)  # noqa: SIM115
            self.file = self._named.file
            self.path = self._named.name

    def close(self) -> None:
        forget(self.path)
        (self._named or self.file).close()


def read_at(path: str, size: int, offset: int) -> bytes:
    """``size`` bytes at ``offset`` of a shared file, from any process of the run."""
    descriptor = _READERS.get(path)
    if descriptor is None:
        descriptor = _READERS[path] = os.open(path, os.O_RDONLY)
    data = os.pread(descriptor, size, offset)
    while len(data) < size:  # a regular file gives all at once; a signal may cut it short
        more = os.pread(descriptor, size - len(data), offset + len(data))
        if not more:
            raise OSError(f"{path}: {size} bytes at {offset} expected, {len(data)} there")
        data += more
    return data


def forget(path: str) -> None:
    """Close this process's reader of a shared file (it is closing, or its run is over)."""
    descriptor = _READERS.pop(path, None)
    if descriptor is not None:
        os.close(descriptor)
