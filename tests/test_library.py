"""``ingest`` used as a library (library review): wrong types and odd values are one clear
``TypeError``/``ValueError``/``IngestError`` at the boundary, stages are lazy generators that
stop their workers when closed, and a ``Deduplicator`` runs once."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import pytest

from ingest import IngestError, InputError, Record, read_records, write_records
from ingest.io import InputReport

from .conftest import SAMPLE_FILES, SAMPLES, parse_jsonl


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


def test_write_records_takes_a_path_object_and_compresses_by_its_suffix(tmp_path: Path) -> None:
    records = [Record("a", "A story.", "a.txt", {"lang": "en"})]
    assert write_records(records, tmp_path / "out.jsonl.gz") == 1
    written = parse_jsonl(gzip.decompress((tmp_path / "out.jsonl.gz").read_bytes()))
    assert written == [r.to_dict() for r in records]


@pytest.mark.parametrize("mode", ["w", "wb"])
def test_write_records_to_a_file_object_is_a_type_error_and_writes_nothing(
    tmp_path: Path, mode: str
) -> None:
    stream = open(tmp_path / "out.jsonl", mode)  # noqa: SIM115 (closed below, then tried again)
    with stream, pytest.raises(TypeError, match="write_records: output must be a path"):
        write_records([Record("a", "text")], stream)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="output must be a path"):
        write_records([Record("a", "text")], stream)  # type: ignore[arg-type]  # closed now
    assert (tmp_path / "out.jsonl").read_bytes() == b""
    with pytest.raises(ValueError, match="output is an empty path"):
        write_records([Record("a", "text")], "")


def test_write_records_into_a_missing_folder_or_onto_a_folder(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="the folder for the output does not exist"):
        write_records([Record("a", "text")], tmp_path / "missing" / "out.jsonl")
    with pytest.raises(IngestError, match="is a folder, not a file"):
        write_records([Record("a", "text")], tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (Record("a", None), r"record 2: Record.text must be a str, not NoneType"),  # type: ignore[arg-type]
        (Record("a", b"bytes"), r"record 2: Record.text must be a str, not bytes"),  # type: ignore[arg-type]
        (Record(7, "text"), r"record 2: Record.id must be a str, not int"),  # type: ignore[arg-type]
        (Record("a", "t", None), r"record 2: Record.source must be a str"),  # type: ignore[arg-type]
        (Record("a", "t", metadata=[]), r"record 2: Record.metadata must be a dict, not list"),  # type: ignore[arg-type]
        (Record("", "text"), r"record 2: Record.id is empty"),
        ({"id": "a", "text": "t"}, r"record 2 is a dict, not a Record \(Record.from_dict"),
    ],
)
def test_write_records_of_a_bad_record_keeps_the_old_file(
    tmp_path: Path, record: object, message: str
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    with pytest.raises((TypeError, ValueError), match=f"write_records: {message}"):
        write_records([Record("ok", "fine"), record], out)  # type: ignore[list-item]
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temporary file left
