"""``ingest`` used as a library (library review): wrong types and odd values are one clear
``TypeError``/``ValueError``/``IngestError`` at the boundary, stages are lazy generators that
stop their workers when closed, and a ``Deduplicator`` runs once."""

from __future__ import annotations

import contextlib
import glob
import gzip
import io
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from ingest import (
    CleanConfig,
    DedupeConfig,
    Deduplicator,
    IngestError,
    InputError,
    Record,
    SplitConfig,
    clean_records,
    dedupe_records,
    read_records,
    split_records,
    write_records,
)
from ingest.clean import CleanStats
from ingest.io import InputReport
from ingest.split import clean_split_records

from .conftest import SAMPLE_FILES, SAMPLES, invoke, parse_jsonl


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


def _stages() -> dict[str, Callable[..., Iterator[Record]]]:
    """Each stage as a function of (records, jobs), with its default config."""
    return {
        "clean_records": lambda records, jobs=1: clean_records(records, jobs=jobs),
        "split_records": lambda records, jobs=1: split_records(records, jobs=jobs),
        "clean_split_records": lambda records, jobs=1: clean_split_records(
            records, CleanConfig(), SplitConfig(), jobs
        ),
        "Deduplicator.run": lambda records, jobs=1: Deduplicator(jobs=jobs).run(records),
        "Deduplicator.run_lines": lambda records, jobs=1: Deduplicator(jobs=jobs).run_lines(
            records
        ),
    }


STAGES = _stages()
# And the stages that read their input through a temporary file before they give a record.
SPOOLING = {
    **STAGES,
    "clean_records(repeated_lines)": lambda records, jobs=1: clean_records(
        records, CleanConfig(repeated_lines=2), jobs=jobs
    ),
}


def stories(count: int | None = None, fail_at: int | None = None) -> Iterator[Record]:
    """Plain-text records, ``count`` of them or without end; ``KeyError`` at ``fail_at``."""
    for n in itertools.count() if count is None else range(count):
        if n == fail_at:
            raise KeyError("the input failed")
        yield Record(f"r{n}", f"Title {n}\n\nA story about the council, part {n}: {n * 7919}.")


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize(
    ("record", "error", "message"),
    [
        (Record("a", None), TypeError, "Record.text must be a str, not NoneType"),  # type: ignore[arg-type]
        (Record("a", b"x y"), TypeError, "Record.text must be a str, not bytes"),  # type: ignore[arg-type]
        (Record("a", 5), TypeError, "Record.text must be a str, not int"),  # type: ignore[arg-type]
        (Record(None, "x"), TypeError, "Record.id must be a str, not NoneType"),  # type: ignore[arg-type]
        (Record("a", "x", metadata=None), TypeError, "Record.metadata must be a dict"),  # type: ignore[arg-type]
        (Record("", "x"), ValueError, "Record.id is empty"),
        ({"id": "a", "text": "x"}, TypeError, "is a dict, not a Record (Record.from_dict"),
        ("a string", TypeError, "is a str, not a Record"),
    ],
)
def test_a_bad_record_is_one_error_naming_the_stage_and_the_field(
    stage: str, record: object, error: type[Exception], message: str
) -> None:
    records = [*stories(2), record]
    with pytest.raises(error, match=rf"^{re.escape(stage)}: record 3.*{re.escape(message)}"):
        list(STAGES[stage](records))


@pytest.mark.parametrize("stage", STAGES)
def test_jobs_below_one_or_not_an_integer_is_an_error_at_the_call(stage: str) -> None:
    name = stage.split(".")[0]
    for jobs in (0, -1):
        with pytest.raises(ValueError, match=rf"^{name}: jobs must be at least 1, not {jobs}"):
            STAGES[stage](stories(3), jobs)
    for jobs in (1.5, "2", None, True):
        with pytest.raises(TypeError, match=rf"^{name}: jobs must be an integer"):
            STAGES[stage](stories(3), jobs)


def test_a_config_of_another_stage_is_an_error_at_the_call() -> None:
    records = list(stories(2))
    with pytest.raises(
        TypeError, match="clean_records: config must be a CleanConfig, not NoneType"
    ):
        clean_records(records, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clean_records: config must be a CleanConfig, not dict"):
        clean_records(records, {"explain": True})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="split_records: config must be a SplitConfig"):
        split_records(records, CleanConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clean_split_records: config must be a CleanConfig"):
        clean_split_records(records, SplitConfig(), SplitConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Deduplicator: config must be a DedupeConfig"):
        dedupe_records(records, CleanConfig())  # type: ignore[arg-type]


def _children() -> set[int]:
    """This process's descendants, as the kernel sees them (workers not yet reaped too, and
    a fork server's workers, which are the server's children)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    fresh = {os.getpid()}
    while fresh:
        fresh = {pid for pid, parent in parents.items() if parent in fresh} - found
        found |= fresh
    return found


def _open_files_in(folder: Path) -> list[str]:
    targets = []
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            targets.append(os.readlink(fd))
    return [t for t in targets if t.startswith(str(folder))]


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_does_no_work_until_it_is_iterated(stage: str) -> None:
    taken: list[Record] = []
    records = (taken.append(r) or r for r in stories(50))
    output = STAGES[stage](records)
    assert taken == []
    next(iter(output))
    assert taken
    rest = list(output)
    # Every story comes out once, and the input was read once, to its end.
    assert 1 + len(rest) == len(taken) == 50 and list(records) == []


@pytest.mark.parametrize("stage", ["clean_records", "split_records", "clean_split_records"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_per_document_stage_streams_an_endless_input(stage: str, jobs: int) -> None:
    output = STAGES[stage](stories(), jobs)
    first = list(itertools.islice(output, 40))
    assert [r.id for r in first] == [f"r{n}" for n in range(40)]
    output.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("stage", SPOOLING)
@pytest.mark.parametrize("jobs", [1, 2])
def test_closing_a_half_read_stage_leaves_no_worker_and_no_temporary_file(
    stage: str, jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where spools go
    before = _children()
    output = SPOOLING[stage](stories(2000), jobs)
    next(output)
    next(output)
    if jobs == 2 and stage in STAGES:  # (repeated lines' workers are done by the first)
        assert _children() - before  # the workers are running
    output.close()  # type: ignore[attr-defined]
    assert _children() - before == set()
    assert _open_files_in(tmp_path) == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("stage", SPOOLING)
@pytest.mark.parametrize("jobs", [1, 2])
def test_an_error_of_the_input_reaches_the_caller_unchanged(stage: str, jobs: int) -> None:
    before = _children()
    with pytest.raises(KeyError, match="the input failed"):
        list(SPOOLING[stage](stories(600, fail_at=500), jobs))
    assert _children() - before == set()


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: DedupeConfig(num_perm=0), ValueError, "num_perm must be in 16-1024, not 0"),
        (lambda: DedupeConfig(num_perm=8), ValueError, "num_perm must be in 16-1024, not 8"),
        (lambda: DedupeConfig(num_perm=100_000), ValueError, "num_perm must be in 16-1024"),
        (lambda: DedupeConfig(num_perm=1.5), TypeError, "DedupeConfig.num_perm must be an integer"),
        (lambda: DedupeConfig(threshold=0), ValueError, r"threshold must be in \(0, 1\]"),
        (lambda: DedupeConfig(threshold=1.5), ValueError, r"threshold must be in \(0, 1\]"),
        (
            lambda: DedupeConfig(threshold="0.5"),
            TypeError,
            "DedupeConfig.threshold must be a number",
        ),
        (lambda: DedupeConfig(ngram=0), ValueError, "ngram must be at least 1"),
        (lambda: DedupeConfig(ngram=2.5), TypeError, "DedupeConfig.ngram must be an integer"),
        (lambda: DedupeConfig(ngram=True), TypeError, "DedupeConfig.ngram must be an integer"),
        (lambda: DedupeConfig(seed=-1), ValueError, "seed must be at least 0, not -1"),
        (lambda: DedupeConfig(seed="x"), TypeError, "DedupeConfig.seed must be an integer"),
        (lambda: DedupeConfig(keep="last"), ValueError, "keep must be one of first, longest"),
        (lambda: DedupeConfig(common_lines=2.5), TypeError, "common_lines must be an integer"),
        (lambda: DedupeConfig(common_sentences=-2), ValueError, "common_sentences must be 0"),
        (lambda: DedupeConfig(mark="no"), TypeError, "DedupeConfig.mark must be True or False"),
        (lambda: CleanConfig(min_items=0), ValueError, "min_items must be at least 1, not 0"),
        (lambda: CleanConfig(min_items="2"), TypeError, "CleanConfig.min_items must be an integer"),
        (lambda: CleanConfig(repeated_lines=1), ValueError, r"repeated_lines must be 0 \(off\) or"),
        (
            lambda: CleanConfig(repeated_lines=-1),
            ValueError,
            r"repeated_lines must be 0 \(off\) or",
        ),
        (lambda: CleanConfig(repeated_lines=2.5), TypeError, "repeated_lines must be an integer"),
        (lambda: CleanConfig(explain="no"), TypeError, "CleanConfig.explain must be True or False"),
        (lambda: CleanConfig(drop_empty=1), TypeError, "CleanConfig.drop_empty must be True or"),
        (lambda: SplitConfig(min_items=-1), ValueError, "min_items must be at least 1, not -1"),
        (lambda: SplitConfig(min_items=2.5), TypeError, "SplitConfig.min_items must be an integer"),
        (lambda: SplitConfig(keep_intro=None), TypeError, "SplitConfig.keep_intro must be True"),
    ],
)
def test_a_config_with_a_wrong_value_is_refused_when_it_is_made(
    make: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make()


def test_the_configs_take_every_value_the_cli_gives() -> None:
    DedupeConfig(threshold=1, num_perm=16, ngram=1, seed=0, common_lines=0, common_sentences=2)
    DedupeConfig(threshold=0.05, num_perm=1024, seed=2**64, common_lines=2, mark=True)
    CleanConfig(min_items=2, repeated_lines=2, explain=True, drop_empty=True)
    SplitConfig(min_items=1, keep_intro=False, keep_parent=True)


def test_a_negative_seed_is_a_usage_error_of_the_cli() -> None:
    # It was "unexpected ValueError: expected non-negative integer ... please report it".
    result = invoke(["dedupe", "--seed", "-1", "-"], input='{"id": "a", "text": "a b c"}\n')
    assert result.exit_code == 2
    assert "seed must be at least 0, not -1" in result.stderr
    assert "unexpected" not in result.stderr and result.stdout == ""


def _sample_stories() -> list[Record]:
    return list(split_records(clean_records(read_records([SAMPLES]))))


def test_a_deduplicator_runs_once() -> None:
    deduplicator = Deduplicator(DedupeConfig(mark=True))
    marked = [r.to_dict() for r in deduplicator.run(_sample_stories())]
    assert len(marked) == len(_sample_stories())  # mark keeps every record, annotated
    copies = [r for r in marked if r["metadata"]["dedupe"]["duplicate_of"]]
    assert len(copies) == 3 and deduplicator.stats.summary().startswith("2 exact and 1 near")
    clusters = list(deduplicator.clusters())
    # A second run failed deep inside (an IndexError) or mixed its records with the first's.
    for method in (deduplicator.run, deduplicator.run_lines):
        with pytest.raises(RuntimeError, match=r"Deduplicator\.run.*has run already"):
            method(_sample_stories())
    assert list(deduplicator.clusters()) == clusters
    half_read = Deduplicator()
    next(half_read.run(_sample_stories()))
    with pytest.raises(RuntimeError, match="has run already"):
        half_read.run(_sample_stories())
    dropped = [r.to_dict() for r in Deduplicator().run(_sample_stories())]
    assert [r["id"] for r in dropped] == [r["id"] for r in marked if r not in copies]


def test_save_index_before_and_after_the_run_and_an_index_of_other_settings(
    tmp_path: Path,
) -> None:
    index = tmp_path / "index"
    first = Deduplicator(index_path=str(index))
    first.save_index()  # before the run: an index of nothing
    assert index.exists()
    assert len(list(Deduplicator(index_path=str(index)).run(_sample_stories()))) == 39
    kept = list(first.run(_sample_stories()))
    first.save_index()
    again = Deduplicator(index_path=str(index))
    assert list(again.run(_sample_stories())) == []  # all of it is in the index now
    assert again.stats.against_index == len(_sample_stories()) == len(kept) + 3
    with pytest.raises(IngestError, match=r"index was built with num_perm=128 \(this run: 64\)"):
        Deduplicator(DedupeConfig(num_perm=64), index_path=str(index))
    Deduplicator(DedupeConfig(threshold=0.8), index_path=str(index))  # not in the signatures


def test_an_index_in_a_missing_folder_is_refused_before_the_run(tmp_path: Path) -> None:
    # It was found by save_index(), once the whole run was done and its output written.
    with pytest.raises(IngestError, match="the folder for the output does not exist"):
        Deduplicator(index_path=str(tmp_path / "missing" / "index"))
    with pytest.raises(IngestError, match="is a folder, not a file"):
        Deduplicator(index_path=str(tmp_path))


def test_read_records_with_an_unknown_encoding_or_an_on_error_not_callable(
    tmp_path: Path,
) -> None:
    page = tmp_path / "a.txt"
    page.write_bytes("Caf\xe9".encode("cp1252"))
    # Was a LookupError from inside the decoder at the first file, past any on_error.
    with pytest.raises(ValueError, match="read_records: unknown encoding 'bogus'"):
        read_records([page], encoding="bogus")
    with pytest.raises(TypeError, match="read_records: encoding must be a str"):
        read_records([page], encoding=1252)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="read_records: on_error must be callable, not None"):
        read_records([tmp_path / "missing"], on_error=None)  # type: ignore[arg-type]
    assert [r.text for r in read_records([page], encoding="cp1252")] == ["Café"]
    # The CLI refuses it as a usage error, as before.
    result = invoke(["clean", "--encoding", "bogus", str(page)])
    assert result.exit_code == 2 and "unknown encoding 'bogus'" in result.stderr


def test_stages_in_two_threads_at_once_give_what_one_thread_gives() -> None:
    def chain(jobs: int) -> list[dict]:
        cleaned = clean_split_records(read_records([SAMPLES]), CleanConfig(), SplitConfig(), jobs)
        return [r.to_dict() for r in Deduplicator(jobs=jobs).run(cleaned)]

    alone = chain(1)
    results: dict[int, list[dict] | BaseException] = {}

    def run(jobs: int) -> None:
        try:
            results[jobs] = chain(jobs)
        except BaseException as error:  # reported by the assert below
            results[jobs] = error

    threads = [threading.Thread(target=run, args=(jobs,)) for jobs in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == {1: alone, 2: alone}


def test_a_metadata_value_json_cannot_hold_names_the_record_and_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    for value in ({"a", "b"}, b"bytes", np.float32(0.5)):
        records = [Record("ok", "fine"), Record("r2", "text", metadata={"score": value})]
        with pytest.raises(
            TypeError, match=r"record 'r2' cannot be written as JSON: metadata\['score'\] is a "
        ):
            write_records(records, out)
        assert out.read_text() == "old\n"
    nan = Record("n", "text", metadata={"score": float("nan"), "tags": {"x"}})
    with pytest.raises(TypeError, match="record 'n' cannot be written as JSON"):
        nan.to_json()


def test_paths_and_switches_of_the_deduplicator(tmp_path: Path) -> None:
    from ingest.dedupe import write_clusters

    # A Path was an AttributeError ("'PosixPath' object has no attribute 'lower'") once the
    # whole run was done: at save_index() and write_clusters().
    deduplicator = Deduplicator(index_path=tmp_path / "index")
    kept = list(deduplicator.run(_sample_stories()))
    deduplicator.save_index()
    write_clusters(deduplicator, tmp_path / "clusters.jsonl")
    assert len(parse_jsonl((tmp_path / "clusters.jsonl").read_bytes())) == 3
    again = Deduplicator(index_path=tmp_path / "index")
    assert list(again.run(_sample_stories())) == [] and len(kept) == 39
    with pytest.raises(TypeError, match=r"Deduplicator\.evidence must be True or False"):
        Deduplicator(evidence="no")  # type: ignore[arg-type]


def test_stats_of_another_type_is_an_error_at_the_call() -> None:
    # A dict was taken, left empty, and the count of empty documents lost.
    with pytest.raises(TypeError, match="clean_records: stats must be a CleanStats, not dict"):
        clean_records([Record("a", "")], stats={})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clean_split_records: stats must be a CleanStats"):
        clean_split_records([], CleanConfig(), SplitConfig(), stats=[])  # type: ignore[arg-type]
    stats = CleanStats()
    assert len(list(clean_records([Record("a", ""), Record("b", "A story.")], stats=stats))) == 2
    assert stats.empty == 1


def test_record_from_dict_as_the_type_errors_suggest() -> None:
    # The stages' hint for a dict is Record.from_dict, which wanted two more arguments.
    record = Record.from_dict({"id": "a", "text": "A story.", "lang": "en"})
    assert record == Record("a", "A story.", "", {"lang": "en"})
    assert [r.id for r in clean_records([record])] == ["a"]
    with pytest.raises(ValueError, match="expected a JSON object, not list"):
        Record.from_dict([{"text": "x"}])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='record has no string "text" field'):
        Record.from_dict({"id": "a", "text": None})
    without_id = Record.from_dict({"text": "x"})
    with pytest.raises(ValueError, match=r"record 1: Record\.id is empty"):
        list(clean_records([without_id]))


def test_no_inputs_read_stdin_and_an_empty_list_reads_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    piped = io.TextIOWrapper(io.BytesIO(b'{"id": "s", "text": "from stdin"}\n'))
    monkeypatch.setattr(sys, "stdin", piped)
    # An empty glob is an empty input, not a wait on stdin.
    assert list(read_records(glob.glob(str(tmp_path / "*.txt")))) == []
    assert list(read_records([])) == []
    assert [(r.id, r.source) for r in read_records()] == [("s", "<stdin>")]


def test_write_records_to_a_stdout_without_a_binary_buffer() -> None:
    # A notebook's stdout, or redirect_stdout(StringIO()): was "'_io.StringIO' object has
    # no attribute 'buffer'".
    text = io.StringIO()
    records = [Record("a", "Café 中文 \U0001f600"), Record("b", "more")]
    with contextlib.redirect_stdout(text):
        assert write_records(records) == 2
    assert parse_jsonl(text.getvalue()) == [r.to_dict() for r in records]
    assert not text.closed


def test_stdin_as_a_text_stream_without_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Was "'_io.StringIO' object has no attribute 'buffer'".
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": "a", "text": "Café 中文"}\n'))
    assert [r.text for r in read_records(["-"])] == ["Café 中文"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("Café, plain text. " * 2000))
    (record,) = read_records(["-"])
    assert record.text == ("Café, plain text. " * 2000) and record.metadata["encoding"] == "utf-8"


@pytest.mark.parametrize("args", [["clean"], ["dedupe", "-"], ["run", "-j", "2", "-"]])
def test_a_closed_stdin_is_one_clear_error(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `ingest clean <&-` was a traceback; `ingest dedupe - <&-` "unexpected AttributeError".
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    result = subprocess.run(
        [sys.executable, "-m", "ingest", *args, "-o", str(out)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        preexec_fn=lambda: os.close(0),
        timeout=60,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.decode().splitlines() if "error" in line]
    assert errors[0] == "ingest: error: <stdin>: standard input is closed"
    assert "Traceback" not in result.stderr.decode() and "unexpected" not in result.stderr.decode()
    assert out.read_text() == "old\n"
    monkeypatch.setattr(sys, "stdin", None)  # what Python sets when fd 0 is closed
    with pytest.raises(InputError, match="<stdin>: standard input is closed"):
        list(read_records(["-"]))
