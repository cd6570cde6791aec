"""Property tests of the record and JSONL layers against arbitrary input (#12), and the
library side of the reliability fixes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ingest import InputError, Record, read_records
from ingest.clean.repeated import remove_repeated_lines
from ingest.io import inputs
from ingest.record import NULLABLE_METADATA, STAGE_METADATA
from ingest.split import SplitConfig, split_record

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=16,
)
KEYS = st.sampled_from([*STAGE_METADATA, "id", "text", "source", "metadata"]) | st.text(max_size=6)


def reject_constant(name: str) -> None:
    raise ValueError(f"bare {name} in the output")


def stage_types_hold(metadata: dict[str, Any]) -> bool:
    for key, default in STAGE_METADATA.items():
        if key not in metadata or (key in NULLABLE_METADATA and metadata[key] is None):
            continue
        if type(metadata[key]) is not type(default):
            return False
    items = metadata.get("items", [])
    return all(
        isinstance(i["title"], str) and isinstance(i["start"], int) and isinstance(i["end"], int)
        for i in items
    )


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, JSON_VALUES, max_size=8), st.text(max_size=20))
def test_a_parsed_object_is_a_record_or_a_value_error(data: dict[str, Any], text: str) -> None:
    if "text" not in data and text:
        data["text"] = text
    try:
        record = Record.from_dict(data, "default-id", "default-source")
    except ValueError:
        return
    written = json.loads(record.to_json(), parse_constant=reject_constant)
    assert list(written) == ["id", "text", "source", "metadata"]
    assert isinstance(written["id"], str) and written["id"]
    assert stage_types_hold(written["metadata"]), written["metadata"]
    again = Record.from_dict(written, "x", "y")
    assert again.to_json() == record.to_json()  # conforming twice changes nothing


GOOD = st.builds(
    lambda text, extra: json.dumps({"text": text, **extra}).encode(),
    st.text(max_size=30),
    st.dictionaries(st.sampled_from(["title", "part", "items", "score"]), JSON_VALUES, max_size=3),
)
JUNK = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" "))
HOSTILE = st.sampled_from(
    [
        b'{"text": "n", "v": NaN}',
        b'{"text": "deep", "v": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"[1, 2]",
        b'{"text": 5}',
        b'{"text": "x", "metadata": []}',
        b"x\xff\xfe{",
        b'{"text": "' + b"9" * 5000 + b'", "n": ' + b"9" * 5000 + b"}",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(GOOD, JUNK, HOSTILE), max_size=25))
def test_jsonl_of_any_lines_gives_one_record_or_one_error_per_line(lines: list[bytes]) -> None:
    # (A file that starts like UTF-16 or UTF-32 is read as such: another property.)
    assume(not lines or inputs._wide_codec(lines[0]) is None)
    errors: list[InputError] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        records = list(read_records([str(path)], on_error=errors.append))
    # A UTF-8 byte-order mark before the first line is not part of it.
    shown = [line.removeprefix(b"\xef\xbb\xbf") if n == 0 else line for n, line in enumerate(lines)]
    non_blank = [line for line in shown if line.strip()]
    assert len(records) + len(errors) == len(non_blank)
    for record in records:
        json.loads(record.to_json(), parse_constant=reject_constant)
        assert stage_types_hold(record.metadata)
    assert len({r.id for r in records}) == len(records)


def test_renaming_one_repeated_id_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    add = inputs.UniqueIds._add

    def counted(self: inputs.UniqueIds, record_id: str) -> bool:
        nonlocal calls
        calls += 1
        return add(self, record_id)

    monkeypatch.setattr(inputs.UniqueIds, "_add", counted)
    seen = inputs.UniqueIds()
    ids = [seen.unique(Record(id="same", text="", source="f.jsonl")).id for _ in range(3000)]
    assert len(set(ids)) == 3000
    assert calls < 2 * 3000  # one try for the id, about one for its new name


def test_repeated_lines_survive_malformed_items_given_by_the_library() -> None:
    footer = "Copyright Example News, all rights reserved."
    records = [
        Record(f"p{i}", f"Story {i}.\n{footer}", "s", {"items": items})
        for i, items in enumerate(["zz", [{"title": 3}], [None, {"start": "x"}], {"a": 1}])
    ]
    cleaned = list(remove_repeated_lines(records, 2))
    assert [r.text for r in cleaned] == [f"Story {i}." for i in range(4)]


@pytest.mark.parametrize(
    "items",
    [
        [("Second", 1), ("First", 0)],  # out of order
        [("First", 0), ("First", 0)],  # the same story twice
        [("First", -60), ("Second", 1)],  # a negative offset
        [("", 0), ("", 1)],  # no titles
    ],
)
def test_split_never_writes_text_twice(items: list[tuple[str, int]]) -> None:
    text = "Intro line.\nFirst title\nFirst teaser text.\nSecond title\nSecond teaser text."
    starts = [text.index("First title"), text.index("Second title")]
    metadata = {
        "items": [
            {
                "title": f"{t} title" if t else "",
                "start": starts[s] + (0 if t else 3) if s >= 0 else s,
                "end": 0,
            }
            for t, s in items
        ]
    }
    parts = list(split_record(Record("p", text, "s", metadata), SplitConfig()))
    written = sum(len(p.text) + len(p.metadata.get("title", "")) for p in parts if p.id != "p")
    assert written <= len(text)
