"""``ingest`` used as a library (library review): wrong types and odd values are one clear
``TypeError``/``ValueError``/``IngestError`` at the boundary, stages are lazy generators that
stop their workers when closed, and a ``Deduplicator`` runs once."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from ingest import InputError, read_records
from ingest.io import InputReport

from .conftest import SAMPLE_FILES, SAMPLES


def test_read_records_takes_a_list_of_paths_not_one_path(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("Hello world")
    # One string used to be read as the paths of its characters: "/" first, the whole disk.
    for one_path in (str(page), page, str(page).encode()):
        with pytest.raises(TypeError, match=r"read_records: inputs must be a list of paths"):
            read_records(one_path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="inputs must be a list of paths, not NoneType"):
        read_records(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a path must be a str or a Path, not int 1"):
        read_records([1])  # type: ignore[list-item]


def test_read_records_takes_paths_as_path_objects(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("Hello world")
    assert [r.id for r in read_records([page])] == ["a.txt"]
    by_str = [r.to_dict() for r in read_records([str(SAMPLES)])]
    assert [r.to_dict() for r in read_records([SAMPLES])] == by_str
    assert [r.to_dict() for r in read_records(iter([SAMPLES]))] == by_str
    assert len(by_str) == len(SAMPLE_FILES) + 3


def test_read_records_on_a_missing_path_a_folder_and_a_fifo(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        list(read_records([tmp_path / "missing.txt"]))
    (tmp_path / "empty").mkdir()
    assert list(read_records([tmp_path / "empty"])) == []
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_text, args=('{"id": "f", "text": "piped"}\n',))
    writer.start()
    assert [(r.id, r.text) for r in read_records([fifo])] == [("f", "piped")]
    writer.join()
    # In a folder the FIFO is skipped (it could wait forever), and said so in the report.
    report = InputReport()
    assert list(read_records([tmp_path], report=report)) == []
    assert report.special_skipped == 1
