"""The Spark engine on a ``local[2]`` master keeps what the local engine keeps.

Marked ``spark``: the default ``pytest`` leaves these out; ``python -m pytest -m spark`` (as
``.ci/run`` does) runs them. They need ``pip install '.[spark]'`` and Java 17.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import read_records
from ingest.dedupe import DedupeConfig, Deduplicator
from ingest.errors import IngestError, InputError

from .conftest import ROOT, invoke, parse_jsonl, run_ingest

sys.path.insert(0, str(ROOT / "benchmarks"))
from dedupe_devset import as_records, build
from spark_corpus import write_corpus

pytestmark = pytest.mark.spark
MASTER = "local[2]"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from ingest.dedupe.spark.command import spark_session

    session = spark_session(MASTER)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several thousand documents in five files: planted copies, framed negatives."""
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 2600)
    return folder


def local_run(inputs: list[str], config: DedupeConfig) -> tuple[list[dict], list[dict]]:
    deduplicator = Deduplicator(config)
    records = [r.to_dict() for r in deduplicator.run(read_records(inputs))]
    return records, list(deduplicator.clusters())


def spark_run(spark: Any, inputs: list[str], config: DedupeConfig) -> tuple[list[dict], list]:
    from ingest.dedupe.spark import dedupe_files

    run = dedupe_files(spark, inputs, config)
    assert run.errors == []
    records = [r.to_dict() for r in run.records.toLocalIterator()]
    return records, [json.loads(line) for line in run.clusters.collect()]


def test_marked_records_and_clusters_equal_the_local_engines(spark: Any, corpus: Path) -> None:
    config = DedupeConfig(mark=True)
    local_records, local_clusters = local_run([str(corpus)], config)
    spark_records, spark_clusters = spark_run(spark, [str(corpus)], config)
    assert len(local_records) > 2500
    assert sum(1 for r in local_records if r["metadata"]["dedupe"]["duplicate_of"]) > 500
    assert [r["id"] for r in spark_records] == [r["id"] for r in local_records]
    assert spark_records == local_records  # every annotation, in input order
    assert spark_clusters == local_clusters


@pytest.mark.parametrize("keep", ["longest", "metadata"])
def test_kept_ids_equal_the_local_engines_under_each_keep_rule(
    spark: Any, corpus: Path, keep: str
) -> None:
    config = DedupeConfig(keep=keep)
    local_records, local_clusters = local_run([str(corpus)], config)
    spark_records, spark_clusters = spark_run(spark, [str(corpus)], config)
    assert [r["id"] for r in spark_records] == [r["id"] for r in local_records]
    assert spark_clusters == local_clusters


def devset_file(folder: Path) -> Path:
    path = folder / "devset.jsonl"
    path.write_text("".join(f"{r.to_json()}\n" for r in as_records(build())))
    return path


def test_parquet_output_has_ingests_schema_and_reads_back_whole(spark: Any, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ingest.dedupe.spark import dedupe_files
    from ingest.dedupe.spark.sources import write_records
    from ingest.io.parquet import record_schema

    records = as_records(build())
    for n, record in enumerate(records):
        record.metadata["batch"] = {"n": n % 3}  # outside the struct: kept in metadata.extra
    source = tmp_path / "devset.jsonl"
    source.write_text("".join(f"{r.to_json()}\n" for r in records))
    out = tmp_path / "m.parquet"
    write_records(
        spark, dedupe_files(spark, [str(source)], DedupeConfig(mark=True)).records, str(out)
    )
    part = pq.read_table(sorted(out.glob("part-*.parquet"))[0])
    assert part.schema.field("metadata").type == record_schema(pa).field("metadata").type
    again, _ = spark_run(spark, [str(out)], DedupeConfig())
    local, _ = local_run([str(source)], DedupeConfig())
    assert [r["id"] for r in again] == [r["id"] for r in local]
    assert [r["metadata"] for r in again] == [r["metadata"] for r in local]


def test_bad_inputs_are_listed_and_the_rest_is_read(spark: Any, tmp_path: Path) -> None:
    from ingest.dedupe.spark import dedupe_files

    (tmp_path / "a.jsonl").write_text(
        '{"id": "x", "text": "one"}\nnot json\n{"id": "y", "text": "two"}\n'
    )
    (tmp_path / "page.txt").write_text("a raw page")
    inputs = [str(tmp_path / "a.jsonl"), str(tmp_path / "page.txt"), str(tmp_path / "nothing")]
    run = dedupe_files(spark, inputs, DedupeConfig())
    assert [r.id for r in run.records.collect()] == ["x", "y"]
    assert run.errors[0].startswith(f"{tmp_path / 'nothing'}: no such file")
    assert "page.txt: the spark engine reads JSONL or Parquet" in run.errors[1]
    assert run.errors[2].startswith(f"{tmp_path / 'a.jsonl'}:2: malformed JSONL record")
    with pytest.raises(InputError, match="no such file"):
        dedupe_files(spark, inputs, DedupeConfig(), strict=True)
    (tmp_path / "b.jsonl").write_text('{"id": "x", "text": "again"}\n')
    with pytest.raises(IngestError, match="id 'x' is found 2 times"):
        dedupe_files(spark, [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")], DedupeConfig())


def parquet_ids(path: Path, ids: list[Any]) -> Path:
    """A Parquet file of one record per id (``None``: no id), each with its own text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [f"{path.stem}{n} and more " * 10 for n in range(len(ids))]  # no two alike
    pq.write_table(pa.table({"id": ids, "text": texts}), path)
    return path


NOT_AN_ID = '"id" must be a string or an integer, not true or false'


def test_parquet_ids_are_taken_as_the_jsonl_reader_takes_them(spark: Any, tmp_path: Path) -> None:
    """A bool or float id is a bad record, as in JSONL (where the local engine says
    `"id" must be a string or an integer`); an integer is its decimal string."""
    from ingest.dedupe.spark import dedupe_files

    bools = parquet_ids(tmp_path / "bools.parquet", [True, None, False])
    floats = parquet_ids(tmp_path / "floats.parquet", [5.0])
    numbers = parquet_ids(tmp_path / "numbers.parquet", [7, 2**40])
    jsonl = tmp_path / "bools.jsonl"
    jsonl.write_text('{"id": true, "text": "a story in JSONL"}\n')
    local = invoke(["dedupe", str(jsonl)])
    assert local.stderr.splitlines()[0] == (
        f"ingest: error: {jsonl}:1: malformed JSONL record: {NOT_AN_ID}"
    )
    run = dedupe_files(spark, [str(p) for p in (bools, floats, numbers, jsonl)], DedupeConfig())
    assert [r.id for r in run.records.collect()] == [f"{bools}:2", "7", str(2**40)]
    assert run.errors == [
        f"{bools}:1: not a record: {NOT_AN_ID}",
        f"{bools}:3: not a record: {NOT_AN_ID}",
        f'{floats}:1: not a record: "id" must be a string or an integer, not a float',
        f"{jsonl}:1: malformed JSONL record: {NOT_AN_ID}",
    ]


def test_cli_says_a_parquet_bool_id_is_not_a_record(tmp_path: Path) -> None:
    bools = parquet_ids(tmp_path / "bools.parquet", [True])
    names = parquet_ids(tmp_path / "names.parquet", ["kept"])
    out = tmp_path / "out.jsonl"
    args = ["dedupe", "--engine", "spark", "--master", MASTER, str(bools), str(names)]
    args += ["-o", str(out)]
    result = run_ingest(args, timeout=600)
    assert result.returncode == 1
    errors = [line for line in result.stderr.decode().splitlines() if "error" in line]
    assert errors[0] == f"ingest: error: {bools}:1: not a record: {NOT_AN_ID}"
    written = b"".join(p.read_bytes() for p in sorted(out.glob("part-*")))
    assert [r["id"] for r in parse_jsonl(written)] == ["kept"]


def test_hadoop_listing_orders_and_skips_as_the_local_reader(spark: Any, tmp_path: Path) -> None:
    """``hdfs://``, ``s3a://``... inputs are listed by Hadoop's file system: the same files
    in the same order as a local folder (here the same folder, through Hadoop's ``file:``),
    without hidden files and what Spark leaves in its output folders."""
    from ingest.dedupe.spark.sources import _hadoop_files, list_inputs

    names = [
        "c.jsonl", "b/a.jsonl", "a.jsonl", "a/z.jsonl", "B.jsonl", "10.jsonl", "9.jsonl",
        "a b.jsonl", "é.jsonl", "part-00000.jsonl", "deep/er/x.jsonl", ".hidden.jsonl",
        ".cache/x.jsonl", "_SUCCESS", "out/_temporary/0/part-1.jsonl", "out/part-0.jsonl",
    ]  # fmt: skip
    for name in names:
        path = tmp_path / "corpus" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"text": "x"}\n')
    folder = tmp_path / "corpus"
    local = [f.relative for f in list_inputs(spark, [str(folder)]).files]
    through_hadoop = [f.relative for f in _hadoop_files(spark, folder.as_uri())]
    assert through_hadoop == local
    assert ".hidden.jsonl" not in local and "_SUCCESS" not in local
    assert "out/part-0.jsonl" in local and "out/_temporary/0/part-1.jsonl" not in local
    assert local.index("a/z.jsonl") < local.index("a.jsonl") < local.index("b/a.jsonl")
    with pytest.raises(InputError, match="no such file"):
        _hadoop_files(spark, (tmp_path / "missing").as_uri())


def test_cli_writes_the_local_engines_output_as_a_compressed_spark_folder(tmp_path: Path) -> None:
    source = devset_file(tmp_path)
    local = run_ingest(
        ["dedupe", "--keep", "longest", str(source), "--clusters", str(tmp_path / "lc.jsonl")]
    )
    out = tmp_path / "out.jsonl.gz"
    result = run_ingest(
        [
            "dedupe",
            "--engine",
            "spark",
            "--master",
            MASTER,
            "--keep",
            "longest",
            str(source),
            "-o",
            str(out),
            "--clusters",
            str(tmp_path / "sc.jsonl"),
        ],
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()
    parts = sorted(out.glob("part-*.gz"))
    written = b"".join(gzip.decompress(p.read_bytes()) for p in parts)
    assert written == local.stdout
    assert (tmp_path / "sc.jsonl").read_bytes() == (tmp_path / "lc.jsonl").read_bytes()
    assert untimed(result.stderr) == untimed(local.stderr)  # the same counts


def untimed(stderr: bytes) -> str:
    """The summary line without its time."""
    return re.sub(r" in [0-9.]+s$", "", stderr.decode().strip().splitlines()[-1])


def test_options_the_spark_engine_does_not_take_are_usage_errors(tmp_path: Path) -> None:
    source = devset_file(tmp_path)
    result = invoke(["dedupe", "--engine", "spark", "--index", str(tmp_path / "i"), str(source)])
    assert result.exit_code == 2 and "--index works with the local engine only" in result.stderr
    result = invoke(["dedupe", "--engine", "spark"], input=b"")
    assert result.exit_code == 2 and "not stdin" in result.stderr
    result = invoke(["dedupe", "--engine", "spark", str(source), "-o", str(tmp_path / "o.xz")])
    assert result.exit_code == 2 and "not .xz" in result.stderr
    assert parse_jsonl(invoke(["dedupe", "-q", str(source)]).stdout)  # the local engine still runs
