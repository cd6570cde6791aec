"""Metadata values a record cannot carry everywhere: one that contains itself or is nested too
deep (JSON cannot write it), one that cannot be pickled (it cannot reach a worker process or a
temporary file). Each is an error naming the record and the key, at any ``jobs``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import CleanConfig, Record, SplitConfig, clean_records, split_records, write_records
from ingest.split import clean_split_records

from .conftest import invoke, parse_jsonl, run_ingest

# More records than one chunk (16), so that jobs=2 starts workers.
COUNT = 60
BAD_AT = 37


def _with_value(value: Any, count: int = COUNT) -> list[Record]:
    return [
        Record(
            f"r{n}",
            f"Story {n} of the day.\nIt has a second line.",
            "s.txt",
            {"extra": value if n == BAD_AT else n},
        )
        for n in range(count)
    ]


def _nested(depth: int) -> list[Any]:
    top: list[Any] = []
    inner = top
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return top


def _self_dict() -> dict[str, Any]:
    inner: dict[str, Any] = {"a": 1}
    inner["self"] = inner
    return inner


def test_a_value_that_contains_itself_names_the_record_and_the_key_path(tmp_path: Path) -> None:
    looped: list[Any] = [1, {"a": []}]
    looped[1]["a"].append(looped)
    cases = [
        (_self_dict(), r"metadata\['extra'\]\['self'\] is metadata\['extra'\] again"),
        (looped, r"metadata\['extra'\]\[1\]\['a'\]\[0\] is metadata\['extra'\] again"),
    ]
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    for value, where in cases:
        record = _with_value(value)[BAD_AT]
        with pytest.raises(
            ValueError,
            match=rf"^record 'r{BAD_AT}' cannot be written as JSON: "
            rf"{where} \(a value that contains itself\)$",
        ):
            record.to_json()
        with pytest.raises(ValueError, match=f"record 'r{BAD_AT}'"):
            write_records(_with_value(value), out)
        assert out.read_text() == "old\n"  # nothing half-written


def test_a_value_nested_deeper_than_json_writes_is_a_value_error() -> None:
    record = _with_value(_nested(5000))[BAD_AT]
    with pytest.raises(ValueError, match=f"^record 'r{BAD_AT}' .* nested deeper than json"):
        record.to_json()
    # NaN beside it takes the slower path, which must fail the same way.
    record.metadata["score"] = float("nan")
    with pytest.raises(ValueError, match="nested deeper than json"):
        record.to_json()


def test_values_json_can_write_are_written_as_before() -> None:
    shared = [1, 2]  # the same list twice is no cycle
    record = Record(
        "a",
        "t",
        metadata={
            "x": shared,
            "y": shared,
            "nan": float("nan"),
            "deep": _nested(100),
            3: "int key",
        },
    )
    written = json.loads(record.to_json())
    assert written["metadata"]["x"] == written["metadata"]["y"] == [1, 2]
    assert written["metadata"]["nan"] is None
    assert written["metadata"]["3"] == "int key"


def test_a_value_json_has_no_type_for_is_named_by_its_key_path() -> None:
    record = Record("a", "t", metadata={"ok": [1, {"tags": {"x"}}]})
    with pytest.raises(TypeError, match=r"metadata\['ok'\]\[1\]\['tags'\] is a set, not a JSON"):
        record.to_json()
    record = Record("a", "t", metadata={"ok": {(1, 2): "tuple key"}})
    with pytest.raises(TypeError, match=r"metadata\['ok'\] has a key of type tuple"):
        record.to_json()


STAGES: dict[str, Callable[[list[Record], int], Iterator[Record]]] = {
    "clean_records": lambda records, jobs: clean_records(records, jobs=jobs),
    "split_records": lambda records, jobs: split_records(records, jobs=jobs),
    "clean_split_records": lambda records, jobs: clean_split_records(
        records, CleanConfig(), SplitConfig(), jobs
    ),
}


@pytest.fixture
def unpicklable(tmp_path: Path) -> Iterator[list[tuple[Any, str]]]:
    """Values pickle refuses, each with the key path and type the error names."""
    with (tmp_path / "f.txt").open("w") as handle:
        yield [
            (lambda: 1, r"metadata\['extra'\] \(a function\)"),
            (handle, r"metadata\['extra'\] \(a TextIOWrapper\)"),
            ({"kept": [1, lambda: 2]}, r"metadata\['extra'\]\['kept'\]\[1\] \(a function\)"),
        ]


@pytest.mark.parametrize("stage", STAGES)
def test_a_value_that_cannot_be_pickled_names_the_record_at_jobs_2(
    unpicklable: list[tuple[Any, str]], stage: str
) -> None:
    for value, where in unpicklable:
        message = rf"^{stage}: record 'r{BAD_AT}': {where} cannot be pickled"
        with pytest.raises(TypeError, match=message):
            list(STAGES[stage](_with_value(value), 2))


@pytest.mark.parametrize("jobs", [1, 2])
def test_repeated_lines_pickle_at_any_jobs_and_name_the_record(
    unpicklable: list[tuple[Any, str]], jobs: int
) -> None:
    for value, where in unpicklable:
        with pytest.raises(TypeError, match=rf"^clean_records: record 'r{BAD_AT}': {where}"):
            list(clean_records(_with_value(value), CleanConfig(repeated_lines=2), jobs=jobs))


@pytest.mark.parametrize("jobs", [1, 2])
def test_dedupe_pickles_at_any_jobs_and_names_the_record(
    unpicklable: list[tuple[Any, str]], jobs: int
) -> None:
    from ingest.dedupe import DedupeConfig, Deduplicator

    for value, where in unpicklable:
        deduplicator = Deduplicator(DedupeConfig(), jobs=jobs)
        with pytest.raises(TypeError, match=rf"^Deduplicator: record 'r{BAD_AT}': {where}"):
            list(deduplicator.run(_with_value(value)))


@pytest.mark.parametrize("stage", STAGES)
def test_at_jobs_1_the_value_stays_in_memory_and_writing_it_names_it(
    tmp_path: Path, unpicklable: list[tuple[Any, str]], stage: str
) -> None:
    # Nothing is pickled at jobs=1: the stage takes the value (checking each record's
    # metadata would cost more than a microsecond a record), and the JSONL writer names it.
    out = tmp_path / "out.jsonl"
    for value, _ in unpicklable:
        records = list(STAGES[stage](_with_value(value), 1))
        assert len(records) == COUNT
        kind = re.escape(type(value).__name__) if not isinstance(value, dict) else "function"
        with pytest.raises(
            TypeError,
            match=rf"record 'r{BAD_AT}' cannot be written as JSON: "
            rf"metadata\['extra'\].* is a {kind}, not a JSON",
        ):
            write_records(records, out)
        assert not out.exists()


def _fails_at_bad(record: Record) -> Record:
    if record.id == f"r{BAD_AT}":
        raise TypeError("an error of the work itself")
    return record


def test_an_error_of_the_work_is_not_taken_for_a_pickling_error() -> None:
    # Every record pickles: the worker's TypeError comes out as it was raised.
    from ingest.checks import records_map

    with pytest.raises(TypeError, match=r"^an error of the work itself$"):
        list(records_map("clean_records", _fails_at_bad, _with_value(1), 2))


def _nested_jsonl(path: Path, depth: int) -> None:
    # Written by hand: json.dumps itself stops at about 1,000 levels.
    deep = "[" * depth + "]" * depth
    lines = [
        f'{{"id": "r{n}", "text": "Story {n}.\\nA line of its own {n}.", "deep": {deep}, '
        f'"score": {n / 3}}}'
        for n in range(COUNT)
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    "args", [["clean"], ["split"], ["run"], ["clean", "--repeated-lines", "2"]]
)
def test_deep_metadata_from_the_cli_is_the_same_at_any_jobs(
    tmp_path: Path, args: list[str]
) -> None:
    # The deepest JSONL the reader takes (200 levels with the record) crosses to workers and
    # temporary files and comes back whole, at -j 1 and -j 2.
    source = tmp_path / "in.jsonl"
    _nested_jsonl(source, 190)
    one = run_ingest([*args, "-j", "1", "-q", str(source)])
    two = run_ingest([*args, "-j", "2", "-q", str(source)])
    assert one.returncode == two.returncode == 0, two.stderr
    assert one.stdout == two.stdout and one.stderr == two.stderr == b""
    records = parse_jsonl(one.stdout)
    assert len(records) == COUNT
    assert all(r["metadata"]["deep"] == _nested(190) for r in records)


def test_metadata_nested_too_deep_for_the_reader_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    _nested_jsonl(source, 190)
    lines = source.read_text().split("\n")
    lines[BAD_AT] = lines[BAD_AT].replace("[" * 190 + "]" * 190, "[" * 1000 + "]" * 1000)
    source.write_text("\n".join(lines))
    result = invoke(["clean", "-j", "2", "-q", str(source)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"ingest: error: {source}:{BAD_AT + 1}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert len(parse_jsonl(result.stdout)) == COUNT - 1


# JSONL ids: an integer is its decimal string; null, "" or no id the fallback <path>:<line>;
# any other JSON value a malformed record.
ID_LINES = [
    ('{"id": "s", "text": "a string id"}', "s"),
    ('{"id": 7, "text": "an integer id"}', "7"),
    ('{"id": -0, "text": "minus zero is the integer 0"}', "0"),
    (
        '{"id": 123456789012345678901234567890, "text": "a big integer"}',
        "123456789012345678901234567890",
    ),
    ('{"id": null, "text": "null id"}', None),
    ('{"id": "", "text": "empty id"}', None),
    ('{"text": "no id"}', None),
    ('{"id": 5.0, "text": "a float"}', "a float"),
    ('{"id": 1e3, "text": "an exponent"}', "a float"),
    ('{"id": true, "text": "a bool"}', "true or false"),
    ('{"id": false, "text": "a bool"}', "true or false"),
    ('{"id": [1], "text": "an array"}', "an array"),
    ('{"id": {"a": 1}, "text": "an object"}', "an object"),
]
BAD_ID_KINDS = {"a float", "true or false", "an array", "an object"}


def _expected_ids(path: str) -> tuple[list[str], list[str]]:
    ids, errors = [], []
    for number, (_, expected) in enumerate(ID_LINES, start=1):
        if expected in BAD_ID_KINDS:
            errors.append(
                f"{path}:{number}: malformed JSONL record: "
                f'"id" must be a string or an integer, not {expected}'
            )
        else:
            ids.append(expected or f"{path}:{number}")
    return ids, errors


def test_jsonl_ids_of_every_json_type_through_the_library(tmp_path: Path) -> None:
    from ingest import InputError, read_records

    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join(line for line, _ in ID_LINES) + "\n")
    errors: list[InputError] = []
    records = list(read_records([path], on_error=errors.append))
    ids, messages = _expected_ids(str(path))
    assert [r.id for r in records] == ids
    assert [str(e) for e in errors] == messages
    with pytest.raises(ValueError, match=r'^"id" must be a string or an integer, not true or'):
        Record.from_dict({"id": True, "text": "t"})
    assert Record.from_dict({"id": 7, "text": "t"}).id == "7"
    # The same in a .json file holding an array of objects, numbered by position.
    array = tmp_path / "ids.json"
    array.write_text("[\n" + ",\n".join(line for line, _ in ID_LINES) + "\n]\n")
    errors.clear()
    records = list(read_records([array], on_error=errors.append))
    ids, messages = _expected_ids(str(array))
    assert [r.id for r in records] == ids
    assert [str(e).replace("malformed JSONL record: ", "") for e in errors] == [
        m.replace("malformed JSONL record: ", "") for m in messages
    ]


def test_jsonl_ids_of_every_json_type_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join(line for line, _ in ID_LINES) + "\n")
    out = tmp_path / "out.jsonl"
    result = run_ingest(["clean", "-q", str(path), "-o", str(out)])
    ids, messages = _expected_ids(str(path))
    assert result.returncode == 1
    assert result.stderr.decode().splitlines() == [f"ingest: error: {m}" for m in messages]
    assert [r["id"] for r in parse_jsonl(out.read_bytes())] == ids
    # On stdin, named <stdin>; --strict stops at the first bad id and writes nothing.
    piped = invoke(["clean", "-q"], input=path.read_bytes())
    assert piped.exit_code == 1
    assert [r["id"] for r in parse_jsonl(piped.stdout)] == _expected_ids("<stdin>")[0]
    strict = invoke(["clean", "-q", "--strict", str(path), "-o", str(tmp_path / "strict.jsonl")])
    assert strict.exit_code == 1 and strict.stderr.count("\n") == 1
    assert "Traceback" not in strict.stderr and not (tmp_path / "strict.jsonl").exists()


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_parquet_extra_is_json_and_its_errors_name_the_record(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "out.parquet"
    records = [Record("a", "t", metadata={"score": float("nan"), "runs": [1.5, float("inf")]})]
    write_records(records, out)
    [row] = pq.read_table(out).to_pylist()
    assert _strict_json(row["metadata"]["extra"]) == {"runs": [1.5, None], "score": None}
    for value, kind in ((_self_dict(), ValueError), ({"x"}, TypeError)):
        with pytest.raises(
            kind, match=r"^record 'r37' cannot be written as JSON: metadata\['extra'\]"
        ):
            write_records(_with_value(value), out)
        assert pq.read_table(out).num_rows == 1  # the old file is kept


def test_parquet_extra_from_the_cli_is_strict_json(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": "a", "text": "Story a.", "score": NaN, "runs": [1.5, Infinity], "deep": [[1]]}\n'
    )
    out = tmp_path / "out.parquet"
    result = run_ingest(["clean", "-q", str(source), "-o", str(out)])
    assert result.returncode == 0, result.stderr
    [row] = pq.read_table(out).to_pylist()
    assert _strict_json(row["metadata"]["extra"]) == {
        "deep": [[1]],
        "runs": [1.5, None],
        "score": None,
    }


def test_a_record_and_a_subclass_come_back_from_a_pickle_as_they_went() -> None:
    import pickle
    from dataclasses import dataclass

    record = Record("a", "text é \ud800", "src", {"nested": {"n": [1, 2.5, None]}, "big": 10**30})
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(record, protocol=protocol))
        assert type(back) is Record and back == record

    @dataclass(slots=True)
    class Tagged(Record):
        tag: str = ""

    globals()["Tagged"] = Tagged  # picklable by name
    Tagged.__qualname__ = "Tagged"
    tagged = Tagged("b", "t", "s", {"k": 1}, tag="kept")
    back = pickle.loads(pickle.dumps(tagged))
    assert type(back) is Tagged and back == tagged and back.tag == "kept"
