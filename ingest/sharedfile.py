"""Temporary files one process writes and the other processes of a run read by path.

Where the system has ``/proc`` (Linux), the file is unnamed (``O_TMPFILE``: nothing is
left behind, whatever kills the run) and the others open it through
``/proc/<pid>/fd/<n>`` while its writer lives. Elsewhere it is a named file in a folder
of the run's, removed with the run.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from typing import IO

# This process's open readers, by the name of what they read (``SharedFile.name``), and
# the name read at each path.
_READERS: dict[str, int] = {}
_AT_PATH: dict[str, str] = {}


def through_proc() -> bool:
    """Whether files are shared through ``/proc`` (else by name)."""
    return os.path.isdir(f"/proc/{os.getpid()}/fd")


class SharedFile:
    """A temporary file this process writes (``file``) and others read by ``name``
    (``read_at``); deleted on ``close``. ``folder``: where a named one goes.

    The name is the file's path and a token of its own: a ``/proc/<pid>/fd/<n>`` path is
    given again to the next file this process opens on that descriptor, and a long-lived
    worker must not read the old file it still holds open under that path.
    """

    def __init__(self, buffering: int = -1, folder: str | None = None) -> None:
        self._named: IO[bytes] | None = None
        if through_proc():
            # Owned by this object, closed by close().
            self.file: IO[bytes] = tempfile.TemporaryFile(buffering=buffering)  # noqa: SIM115
            path = f"/proc/{os.getpid()}/fd/{self.file.fileno()}"
        else:
            # Removed by close() (not on close by the wrapper: Windows could not open it
            # again while it is open).
            self._named = tempfile.NamedTemporaryFile(  # noqa: SIM115
                buffering=buffering, dir=folder, delete=False
            )
            self.file = self._named.file
            path = self._named.name
        self.name = f"{path}#{secrets.token_hex(8)}"

    def close(self) -> None:
        forget(self.name)
        (self._named or self.file).close()
        if self._named is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._named.name)


def read_at(name: str, size: int, offset: int) -> bytes:
    """``size`` bytes at ``offset`` of a shared file (by its ``SharedFile.name``), from any
    process of the run."""
    descriptor = _READERS.get(name)
    if descriptor is None:
        path = name.rpartition("#")[0]
        stale = _AT_PATH.get(path)
        if stale is not None:  # an earlier file at that path, gone since
            forget(stale)
        descriptor = _READERS[name] = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        _AT_PATH[path] = name
    data = _pread(descriptor, size, offset)
    while len(data) < size:  # a regular file gives all at once; a signal may cut it short
        more = _pread(descriptor, size - len(data), offset + len(data))
        if not more:
            raise OSError(f"{name}: {size} bytes at {offset} expected, {len(data)} there")
        data += more
    return data


def _pread(descriptor: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(descriptor, size, offset)
    os.lseek(descriptor, offset, os.SEEK_SET)  # Windows: this process's own descriptor
    return os.read(descriptor, size)


def forget(name: str) -> None:
    """Close this process's reader of a shared file (it is closing, or its run is over)."""
    descriptor = _READERS.pop(name, None)
    if descriptor is not None:
        os.close(descriptor)
        path = name.rpartition("#")[0]
        if _AT_PATH.get(path) == name:
            del _AT_PATH[path]
