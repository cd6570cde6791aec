"""A temporary file of records, read back in order: the second pass of stages that must see
the whole input before they write (repeated lines, dedupe).

Records are pickled, not written as JSON: the file never leaves the process, a record comes
back exactly as it went in (NaN, lone surrogates, integers of any size), and pickle writes
and reads a record several times faster than ``json`` (see benchmarks/PROFILE.md)."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from types import TracebackType

from .record import Record


class Spool:
    """Records written once, then read back in order any number of times; deleted on close."""

    def __init__(self) -> None:
        # Owned by the spool, which closes it in close() (and so in __exit__).
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
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
        self._file.seek(0, 2)
        pickle.dump(record, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def extend(self, records: Iterable[Record]) -> Iterator[Record]:
        """Spool ``records``, yielding each as it is written (to work on it in the same pass)."""
        for record in records:
            self.append(record)
            yield record

    def __iter__(self) -> Iterator[Record]:
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)
