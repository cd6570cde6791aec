"""``--index``: the signatures of what was kept, saved to compare a later run against."""

from __future__ import annotations

import json
import os
import zipfile
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


def load_index(path: str, parameters: dict[str, Any]) -> IndexEntries:
    """The entries of the index at ``path``; none if it does not exist yet.

    Raises ``IngestError`` for a file that is not an index, is damaged, or was built with
    settings (permutations, seed, shingles) whose signatures cannot be compared with ours.
    """
    if not os.path.exists(path):
        return IndexEntries.empty(int(parameters["num_perm"]))
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            entries = IndexEntries(
                ids=[str(i) for i in data["ids"]],
                signatures=data["signatures"],
                sizes=data["sizes"],
                exact=data["exact"],
            )
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise IngestError(f"{path}: not a readable dedupe index ({error})") from None
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
