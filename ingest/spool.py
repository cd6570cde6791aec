"""A temporary file of records, read back in order: the second pass of stages that must see
the whole input before they write (repeated lines, dedupe); or one record at a time by its
position (dedupe's exact checks).

Records are pickled, not written as JSON: the file never leaves the process, a record comes
back exactly as it went in (NaN, lone surrogates, integers of any size), and pickle writes
and reads a record several times faster than ``json`` (see benchmarks/PROFILE.md)."""

from __future__ import annotations

import itertools
import pickle
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from .record import Record
from .sharedfile import SharedFile, read_at

SPOOL_BUFFER = 1 << 16


class Spool:
    """Records written once, then read back in order any number of times, or by position;
    deleted on close. Memory: 8 bytes a record (its offset in the file)."""

    def __init__(self) -> None:
        # Owned by the spool, which closes it in close() (and so in __exit__). A larger
        # buffer than the default 8 KiB: appends of a few KB each cost a third as much
        # (fewer system calls), and a read by position still reads little more than it needs.
        # Shared, so that worker processes read records from it themselves (``SpoolSlice``).
        self._shared = SharedFile(buffering=SPOOL_BUFFER)
        self._file = self._shared.file
        self._offsets = array("Q")
        self._end = 0
        self._at_end = True  # where appends go; a seek there flushes the write buffer

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
        return len(self._offsets)

    @property
    def path(self) -> str:
        """Where other processes read it (``sharedfile.read_at``)."""
        return self._shared.name

    def close(self) -> None:
        self._shared.close()

    def slice(self, positions: Sequence[int]) -> SpoolSlice:
        """Where the records at ``positions`` (increasing) are, for another process to read
        them (``SpoolSlice.pickles``): what is spooled so far is written out first."""
        self._file.flush()
        start = self._offsets[positions[0]] if positions else 0
        spans = [(self._offsets[p] - start, self._end_of(p) - start) for p in positions]
        return SpoolSlice(self.path, start, spans)

    def _end_of(self, position: int) -> int:
        return self._offsets[position + 1] if position + 1 < len(self._offsets) else self._end

    def append(self, record: Record) -> bytes:
        """Spool a record; returns its pickle (``pickle.loads`` gives it back)."""
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        if not self._at_end:
            self._file.seek(self._end)
            self._at_end = True
        self._file.write(data)
        self._offsets.append(self._end)
        self._end += len(data)
        return data

    def extend(self, records: Iterable[Record]) -> Iterator[Record]:
        """Spool ``records``, yielding each as it is written (to work on it in the same pass)."""
        for record in records:
            self.append(record)
            yield record

    def extend_pickles(self, records: Iterable[Record]) -> Iterator[bytes]:
        """Spool ``records``, yielding each one's pickle: what a worker process is sent."""
        for record in records:
            yield self.append(record)

    def pickles(self) -> Iterator[bytes]:
        """Each record's pickle, in order (``pickle.loads`` gives the record)."""
        # Each record ends where the next begins (no list of ends: 36 MB at a million).
        ends = itertools.chain(itertools.islice(self._offsets, 1, None), [self._end])
        for offset, end in zip(self._offsets, ends, strict=False):  # no record: no end
            self._at_end = False
            self._file.seek(offset)
            yield self._file.read(end - offset)

    def __iter__(self) -> Iterator[Record]:
        # Seek before each record: a read() between two records must not move this one.
        for offset in self._offsets:
            self._at_end = False
            self._file.seek(offset)
            yield pickle.load(self._file)

    def pickle(self, position: int) -> bytes:
        """The pickle of the record written ``position``-th (``pickle.loads`` gives it)."""
        end = self._end_of(position)
        self._at_end = False
        self._file.seek(self._offsets[position])
        return self._file.read(end - self._offsets[position])

    def read(self, position: int) -> Record:
        """The record written ``position``-th (from 0)."""
        self._at_end = False
        self._file.seek(self._offsets[position])
        record: Record = pickle.load(self._file)
        return record


@dataclass(frozen=True, slots=True)
class SpoolSlice:
    """Some records of a spool, by where they are in its file: sent to a worker process
    instead of the records' pickles (a few bytes instead of a few KB a record through the
    pipe), which reads them itself with one ``pread``."""

    path: str
    start: int
    spans: list[tuple[int, int]]  # each record's start and end, from ``start``

    def pickles(self) -> list[bytes]:
        """The records' pickles (``pickle.loads`` gives each record)."""
        if not self.spans:
            return []
        data = read_at(self.path, self.spans[-1][1], self.start)
        return [data[start:end] for start, end in self.spans]

    def records(self) -> list[Record]:
        return [pickle.loads(data) for data in self.pickles()]
