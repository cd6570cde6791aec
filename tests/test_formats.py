"""The corpus as data tools load it: datasets, pandas and pyarrow, from JSONL and Parquet."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import Record, write_records
from ingest.io.parquet import row

from .conftest import ROOT, SAMPLES, invoke, parse_jsonl

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")

HTML = ROOT / "tests" / "data" / "html"


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``datasets``, offline, with every cache it keeps in a temporary folder."""
    home = tmp_path_factory.mktemp("hf")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HF_HOME", "HF_DATASETS_CACHE", "XDG_CACHE_HOME"):
            patch.setenv(name, str(home))
        patch.setenv("HF_DATASETS_OFFLINE", "1")
        patch.setenv("HF_HUB_OFFLINE", "1")
        yield pytest.importorskip("datasets")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Text pages, digests, HTML pages and JSONL records with no metadata at all."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SAMPLES, folder / "samples")
    shutil.copytree(HTML, folder / "html")
    lines = [
        {"text": "A wire story with nothing but its text, about the harbour's new ferry."},
        {"id": 7, "text": "Another bare record: the council voted on the bridge repairs."},
        {"text": "A record with keys of its own.", "lang": "en", "score": 0.5},
    ]
    (folder / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour News'
        "</title><item><title>Ferry timetable</title><link>https://harbour.example/ferry</link>"
        "<description>&lt;p&gt;The new ferry runs every hour from June.&lt;/p&gt;</description>"
        "<pubDate>Mon, 03 Jun 2024 08:00:00 GMT</pubDate><author>Ana Lind</author></item>"
        "<item><title>Bridge works</title></item></channel></rss>",
        encoding="utf-8",
    )
    (folder / "bare.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder


def _run(corpus: Path, output: Path) -> Path:
    result = invoke(["run", "-q", str(corpus), "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    return output


def _one_type_per_column(rows: list[dict[str, Any]]) -> None:
    metadata_types: dict[str, set[str]] = {}
    for item in rows:
        assert {type(item[k]).__name__ for k in ("id", "text", "source")} == {"str"}
        for key, value in item["metadata"].items():
            metadata_types.setdefault(key, set()).add(type(value).__name__)
    mixed = {key: kinds for key, kinds in metadata_types.items() if len(kinds - {"NoneType"}) > 1}
    assert not mixed


def test_jsonl_output_loads_with_datasets_and_pandas(
    corpus: Path, tmp_path: Path, datasets: Any
) -> None:
    output = _run(corpus, tmp_path / "corpus.jsonl")
    written = parse_jsonl(output.read_bytes())
    assert len(written) > 40
    # Every line has the same metadata keys (records without metadata got the defaults).
    assert len({tuple(sorted(r["metadata"])) for r in written if "lang" not in r["metadata"]}) == 1
    loaded = datasets.load_dataset(
        "json", data_files=str(output), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert loaded.num_rows == len(written)
    assert loaded.features["id"].dtype == "string" and loaded.features["text"].dtype == "string"
    assert [r["id"] for r in loaded] == [r["id"] for r in written]
    _one_type_per_column(list(loaded))
    frame = pd.read_json(output, lines=True, dtype=False)
    assert list(frame.columns) == ["id", "text", "source", "metadata"]
    assert len(frame) == len(written) and frame["id"].map(type).eq(str).all()


def test_parquet_output_loads_with_pyarrow_and_datasets(
    corpus: Path, tmp_path: Path, datasets: Any
) -> None:
    jsonl = parse_jsonl(_run(corpus, tmp_path / "corpus.jsonl").read_bytes())
    output = _run(corpus, tmp_path / "corpus.parquet")
    table = pq.read_table(output)
    assert table.schema.names == ["id", "text", "source", "metadata"]
    assert pa.types.is_struct(table.schema.field("metadata").type)
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [r["id"] for r in jsonl]
    assert [r["text"] for r in rows] == [r["text"] for r in jsonl]
    for parquet_row, line in zip(rows, jsonl, strict=True):
        metadata = dict(parquet_row["metadata"])
        extra = json.loads(metadata.pop("extra") or "{}")
        known = {k: v for k, v in metadata.items() if v is not None}
        assert {**known, **extra} == line["metadata"]
    bare = next(r for r in rows if r["text"].startswith("A record with keys"))
    assert json.loads(bare["metadata"]["extra"]) == {"lang": "en", "score": 0.5}
    # Every key a stage writes fits the struct: only the input's own keys go to `extra`.
    assert [r["id"] for r in rows if r["metadata"]["extra"]] == [bare["id"]]
    assert {r["text"] for r in rows if r["metadata"]["parent_id"] == "feed.xml"} >= {
        "The new ferry runs every hour from June.",
        "Bridge works",
    }
    loaded = datasets.load_dataset(
        "parquet", data_files=str(output), split="train", cache_dir=str(tmp_path / "cache")
    )
    assert (
        loaded.num_rows == len(rows)
        and loaded[0]["metadata"]["role"] == rows[0]["metadata"]["role"]
    )


def test_values_of_another_type_go_to_extra_not_into_the_struct(tmp_path: Path) -> None:
    records = [
        Record("a", "text", metadata={"date": 2023, "part": 2, "items": [{"start": "x"}]}),
        Record("b", "lone \ud800 surrogate", metadata={"title": "T", "encoding_confidence": 1}),
    ]
    path = tmp_path / "out.parquet"
    assert write_records(records, str(path)) == 2
    first, second = pq.read_table(path).to_pylist()
    assert first["metadata"]["part"] == 2 and first["metadata"]["date"] is None
    assert json.loads(first["metadata"]["extra"]) == {"date": 2023, "items": [{"start": "x"}]}
    assert second["text"] == "lone \ufffd surrogate"
    assert second["metadata"]["encoding_confidence"] == 1.0 and second["metadata"]["extra"] == ""


def test_parquet_output_is_atomic_and_deterministic(corpus: Path, tmp_path: Path) -> None:
    first = _run(corpus, tmp_path / "a.parquet").read_bytes()
    assert _run(corpus, tmp_path / "b.parquet").read_bytes() == first
    old = tmp_path / "old.parquet"
    old.write_bytes(b"an older corpus")
    result = invoke(["run", str(tmp_path / "missing"), str(SAMPLES), "--strict", "-o", str(old)])
    assert result.exit_code == 1
    assert old.read_bytes() == b"an older corpus"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ingest-")) == []


def test_without_pyarrow_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    result = invoke(["clean", str(SAMPLES), "-o", str(tmp_path / "out.parquet")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ingest: error: writing Parquet needs pyarrow: pip install 'ingest[parquet]'"
    )
    assert os.listdir(tmp_path) == []


def test_row_keeps_metadata_keys_the_schema_lacks() -> None:
    schema = __import__("ingest.io.parquet", fromlist=["record_schema"]).record_schema(pa)
    converted = row(Record("x", "t", metadata={"lang": "de", "extra": 1}), schema)
    assert json.loads(converted["metadata"]["extra"]) == {"extra": 1, "lang": "de"}
