"""``--index``: the signatures of what was kept, saved to compare a later run against."""

from __future__ import annotations

import fcntl
import json
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import IngestError
from ..io import atomic_output

FORMAT = "ingest-dedupe-index"
# 2: signatures of the numpy scheme (minhash.SCHEME), not datasketch's (#13).
VERSION = 2


@dataclass
class IndexEntries:
    """Kept documents of earlier runs: ids, MinHash signatures, shingle counts, exact hashes."""

    ids: list[str]
    signatures: np.ndarray
    sizes: np.ndarray
    exact: np.ndarray

    @classmethod
    def empty(cls, num_perm: int) -> IndexEntries:
        return cls(
            [],
            np.zeros((0, num_perm), dtype=np.uint32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.uint64),
        )

    def __len__(self) -> int:
        return len(self.ids)


def save_index(path: str, entries: IndexEntries, parameters: dict[str, Any]) -> None:
    """Write the index atomically (a temporary file renamed into place)."""
    header = json.dumps({"format": FORMAT, "version": VERSION, **parameters}, sort_keys=True)
    with atomic_output(path) as stream:
        np.savez_compressed(
            stream,
            header=np.array(header),
            ids=np.array(entries.ids, dtype=str),
            signatures=entries.signatures.astype(np.uint32),
            sizes=entries.sizes.astype(np.int32),
            exact=entries.exact.astype(np.uint64),
        )


def _read_arrays(path: str) -> tuple[Any, IndexEntries]:
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
        entries = IndexEntries(
            ids=[str(i) for i in data["ids"]],
            signatures=data["signatures"],
            sizes=data["sizes"],
            exact=data["exact"],
        )
    return header, entries


@contextmanager
def locked_index(path: str, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the index against other runs from before it is read until after it is saved: two
    runs that each read it and saved what they kept would lose one run's entries. The lock
    is on ``<path>.lock`` (the index itself is replaced, not rewritten, when saved); a
    second run waits for the first (``on_wait`` is called when it has to)."""
    with open(f"{path}.lock", "ab") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        yield


def load_index(path: str, parameters: dict[str, Any]) -> IndexEntries:
    """The entries of the index at ``path``; none if it does not exist yet.

    Raises ``IngestError`` for a file that is not an index, is damaged, or was built with
    settings (permutations, seed, shingles) whose signatures cannot be compared with ours.
    """
    if not os.path.exists(path):
        return IndexEntries.empty(int(parameters["num_perm"]))
    if os.path.isdir(path):
        raise IngestError(f"{path}: is a folder, not a dedupe index")
    if not os.path.isfile(path):  # a device or a FIFO: /dev/zero would be read forever
        raise IngestError(f"{path}: not a regular file, not a dedupe index")
    if not zipfile.is_zipfile(path):
        # (np.load would take it for a pickle, and suggest allow_pickle=True.)
        raise IngestError(f"{path}: not a readable dedupe index (not a file --index wrote)")
    try:
        header, entries = _read_arrays(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise IngestError(f"{path}: not a readable dedupe index (damaged: {error})") from None
    if not isinstance(header, dict):
        raise IngestError(f"{path}: not a dedupe index of this version of ingest")
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise IngestError(f"{path}: not a dedupe index of this version of ingest")
    different = {k: (header.get(k), v) for k, v in parameters.items() if header.get(k) != v}
    if different:
        details = ", ".join(
            f"{k}={old} (this run: {new})" for k, (old, new) in sorted(different.items())
        )
        raise IngestError(f"{path}: index was built with {details}; use the same settings")
    count = len(entries.ids)
    if not (
        entries.signatures.shape == (count, parameters["num_perm"])
        and len(entries.sizes) == count == len(entries.exact)
    ):
        raise IngestError(f"{path}: index is damaged (its arrays disagree in length)")
    return entries
