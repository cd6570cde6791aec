"""Temporary files one process writes and others read (``ingest/sharedfile.py``): the
spool and dedupe's layout files."""

from __future__ import annotations

import multiprocessing
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from ingest import sharedfile
from ingest.sharedfile import SharedFile, read_at


def _reader(requests: Connection) -> None:
    """A long-lived worker: reads what it is asked, keeping its readers open between."""
    while (asked := requests.recv()) is not None:
        name, size = asked
        requests.send(read_at(name, size, 0))


@pytest.mark.parametrize("by_name", [False, True])
def test_a_worker_reads_the_file_of_the_name_not_an_earlier_one_at_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by_name: bool
) -> None:
    # Through /proc, a file's path is its writer's descriptor number: the next file opened
    # on that number has the same path. A worker that read the first one still holds it
    # open; the name's own token makes it open the second.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    if by_name:
        monkeypatch.setattr(sharedfile, "through_proc", lambda: False)
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    worker = context.Process(target=_reader, args=(theirs,))
    worker.start()
    try:
        first = SharedFile(0)
        first.file.write(b"first")
        ours.send((first.name, 5))
        assert ours.recv() == b"first"
        first.close()
        second = SharedFile(0)
        second.file.write(b"other")
        if not by_name:
            assert second.name.rpartition("#")[0] == first.name.rpartition("#")[0]
        ours.send((second.name, 5))
        assert ours.recv() == b"other"
        second.close()
    finally:
        ours.send(None)
        worker.join(10)
    assert list(tmp_path.iterdir()) == []


def test_a_short_file_is_an_error_not_short_data(tmp_path: Path) -> None:
    shared = SharedFile(0)
    shared.file.write(b"abc")
    with pytest.raises(OSError, match="6 bytes at 0 expected, 3 there"):
        read_at(shared.name, 6, 0)
    shared.close()


def test_reading_without_pread(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows has no os.pread: a reader's own descriptor is moved and read instead.
    shared = SharedFile(0)
    shared.file.write(b"0123456789")
    monkeypatch.delattr(sharedfile.os, "pread")
    assert read_at(shared.name, 4, 3) == b"3456"
    assert read_at(shared.name, 2, 0) == b"01"
    shared.close()
