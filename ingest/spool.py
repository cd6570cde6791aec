"""A temporary JSONL file of records, read back in order or one by one: the second pass of
stages that must see the whole input before they write (repeated lines, dedupe)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType

import numpy as np

from .io import encode_line
from .record import Record

OFFSETS_CHUNK = 65536


class Spool:
    """Records written once, then read back any number of times; deleted on close."""

    def __init__(self) -> None:
        # Owned by the spool, which closes it in close() (and so in __exit__).
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._offsets = np.zeros(OFFSETS_CHUNK, dtype=np.int64)
        self._count = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        self._file.close()

    def append(self, record: Record) -> None:
        if self._count == len(self._offsets):
            self._offsets = np.resize(self._offsets, 2 * len(self._offsets))
        self._offsets[self._count] = self._file.seek(0, 2)
        self._file.write(encode_line(record))
        self._count += 1

    def extend(self, records: Iterable[Record]) -> Iterator[Record]:
        """Spool ``records``, yielding each as it is written (to work on it in the same pass)."""
        for record in records:
            self.append(record)
            yield record

    def __iter__(self) -> Iterator[Record]:
        self._file.seek(0)
        for _ in range(self._count):
            yield _parse(self._file.readline())

    def __getitem__(self, index: int) -> Record:
        self._file.seek(int(self._offsets[index]))
        return _parse(self._file.readline())


def _parse(line: bytes) -> Record:
    return Record.from_dict(json.loads(line), "", "")
