"""Records in and out of Spark: JSONL (plain or compressed) and Parquet, on any path it reads.

Inputs are numbered in the local reader's order: arguments in turn, the files of a folder
sorted as ``ingest.io`` sorts them, lines in file order. Local paths are listed by the local
reader itself; ``hdfs://``, ``s3a://``... paths by Hadoop's file system, in the same order.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from pyspark import RDD
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from ...errors import InputError
from ...io.inputs import (
    JSONL_SUFFIXES,
    READ_ERRORS,
    InputFile,
    _decompress,
    _Progress,
    _read_jsonl,
    _stem_suffix,
    compression_of,
    expand_argument,
    parse_jsonl_line,
)
from ...io.outputs import encode_line
from ...io.parquet import EXTRA, _pyarrow, record_schema
from ...io.parquet import row as parquet_row
from ...record import Record

URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
PARQUET = ".parquet"
# Spark's names of the codecs it writes text with, by the output's suffix.
TEXT_CODECS = {
    ".gz": "org.apache.hadoop.io.compress.GzipCodec",
    ".bz2": "org.apache.hadoop.io.compress.BZip2Codec",
    ".zst": "org.apache.hadoop.io.compress.ZStandardCodec",
    ".zstd": "org.apache.hadoop.io.compress.ZStandardCodec",
}
# What Spark and Hadoop leave in an output folder besides the parts (a folder written by a
# Spark job is a common input), and hidden files, as the local reader skips them.
HADOOP_MARKERS = ("_SUCCESS", "_temporary", "_committed_", "_started_")

# A parsed line: a record, or the error message of a line that is not one.
Parsed = tuple[bool, Any]


@dataclass(frozen=True, slots=True)
class Listing:
    """Input files in reading order, and the arguments that named nothing."""

    files: list[InputFile]
    errors: list[InputError]


def list_inputs(spark: SparkSession, arguments: Iterable[str], hidden: bool = False) -> Listing:
    """The files ``arguments`` name, in the local reader's order."""
    files: list[InputFile] = []
    errors: list[InputError] = []
    for argument in arguments:
        try:
            if URI.match(argument) and not argument.startswith("file://"):
                files.extend(_hadoop_files(spark, argument))
            else:
                named = expand_argument(argument, hidden=hidden)
                files.extend(f for f in named if not _is_marker(f.relative))
        except InputError as error:
            errors.append(error)
    return Listing(files, errors)


def _hadoop_files(spark: SparkSession, argument: str) -> list[InputFile]:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(argument)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    statuses = fs.globStatus(path)
    if not statuses:
        raise InputError(argument, "no such file or directory")
    found: list[InputFile] = []
    for status in sorted(statuses, key=lambda s: str(s.getPath())):
        if status.isDirectory():
            found.extend(_walk_hadoop(fs, status.getPath(), ""))
        else:
            found.append(InputFile(str(status.getPath()), status.getPath().getName()))
    return found


def _walk_hadoop(fs: Any, folder: Any, prefix: str) -> Iterator[InputFile]:
    """As ``ingest.io``'s folder walk: names sorted with folders as their name, recursively."""
    entries = sorted(
        ((s.getPath().getName(), s.isDirectory(), s.getPath()) for s in fs.listStatus(folder)),
        key=lambda entry: (entry[0], entry[1]),
    )
    for name, is_dir, path in entries:
        if name.startswith(".") or _is_marker(name):
            continue
        if is_dir:
            yield from _walk_hadoop(fs, path, f"{prefix}{name}/")
        else:
            yield InputFile(str(path), f"{prefix}{name}")


def _is_marker(relative: str) -> bool:
    return any(part.startswith(HADOOP_MARKERS) for part in relative.split("/"))


def check_readable(item: InputFile) -> None:
    """``InputError`` for a file the Spark engine cannot read records from."""
    suffix = _stem_suffix(item.path)
    if suffix == PARQUET and compression_of(item.path) is None:
        return
    if suffix not in JSONL_SUFFIXES:
        raise InputError(
            item.path, "the spark engine reads JSONL or Parquet records (run ingest clean first)"
        )


def read_parsed(spark: SparkSession, files: list[InputFile]) -> RDD[Parsed]:
    """Every line of every file, parsed, in reading order (one RDD, partitions in order)."""
    sc = spark.sparkContext
    parts: list[RDD[Parsed]] = []
    for item in files:
        if _stem_suffix(item.path) == PARQUET:
            parts.append(_read_parquet(spark, item))
        elif compression_of(item.path) is None:
            lines = sc.textFile(item.path, use_unicode=False).zipWithIndex()
            parts.append(lines.flatMap(partial(_parse_numbered, item.path)))
        else:
            # Compressed files are not splittable anyway: one task reads one, as locally.
            whole = sc.binaryFiles(item.path)
            parts.append(whole.flatMap(partial(_parse_whole, item.path)))
    if not parts:
        return sc.emptyRDD()
    return sc.union(parts) if len(parts) > 1 else parts[0]


def _parse_numbered(where: str, pair: tuple[bytes, int]) -> Iterator[Parsed]:
    return _parse(where, *pair)


def _parse(where: str, line: bytes, index: int) -> Iterator[Parsed]:
    try:
        record = parse_jsonl_line(line, where, index + 1)
    except InputError as error:
        yield (False, str(error))
        return
    if record is not None:
        yield (True, record)


def _parse_whole(where: str, file: tuple[str, bytes]) -> Iterator[Parsed]:
    """A whole (compressed) file, read by the local reader itself."""
    errors: list[str] = []
    try:
        with _decompress(io.BytesIO(file[1]), compression_of(where)) as stream:
            for record in _read_jsonl(stream, where, lambda e: errors.append(str(e)), _Progress()):
                yield from ((False, message) for message in errors)
                errors.clear()
                yield (True, record)
    except READ_ERRORS as error:
        errors.append(f"{where}: cannot read: {error}")
    yield from ((False, message) for message in errors)


def _read_parquet(spark: SparkSession, item: InputFile) -> RDD[Parsed]:
    """Rows of one Parquet file in file order; ``metadata`` as a JSON string, map or struct."""
    frame = spark.read.parquet(item.path)
    columns = set(frame.columns)
    if "text" not in columns:
        return spark.sparkContext.parallelize([(False, f"{item.path}: no column 'text'")])
    metadata = F.col("metadata")
    if "metadata" in columns and frame.schema["metadata"].dataType.typeName() != "string":
        metadata = F.to_json(metadata)
    selected = frame.select(
        F.col("_metadata.row_index").alias("row"),
        F.col("text"),
        # Not cast: Record.from_dict takes an integer as its decimal string and refuses a
        # bool, a float... as the local JSONL reader does (a cast made true "true").
        F.col("id") if "id" in columns else F.lit(None).alias("id"),
        F.col("source") if "source" in columns else F.lit(None).alias("source"),
        metadata.alias("metadata") if "metadata" in columns else F.lit(None).alias("metadata"),
    ).orderBy("row")
    return selected.rdd.map(partial(_parquet_record, item.path))


def _parquet_record(where: str, row: Any) -> Parsed:
    number = row["row"] + 1
    try:
        metadata = json.loads(row["metadata"]) if row["metadata"] else {}
        # ingest's Parquet keeps the keys outside its struct as one JSON object.
        extra = metadata.pop(EXTRA, None) if isinstance(metadata, dict) else None
        if extra:
            metadata.update({k: v for k, v in json.loads(extra).items() if k not in metadata})
        data = {"id": row["id"], "text": row["text"], "source": row["source"], "metadata": metadata}
        return (True, Record.from_dict(data, f"{where}:{number}", where))
    except ValueError as error:
        return (False, f"{where}:{number}: not a record: {error}")


def output_codec(path: str) -> str | None:
    """The Hadoop codec of a JSONL output path (``None``: plain); ``ValueError`` if none fits."""
    lowered = path.lower().rstrip("/")
    for suffix, codec in TEXT_CODECS.items():
        if lowered.endswith(suffix):
            return codec
    if lowered.endswith((".xz", ".lzma")):
        raise ValueError(f"{path}: Spark writes .gz, .bz2 or .zst, not .xz")
    return None


def write_records(spark: SparkSession, records: RDD[Record], path: str) -> None:
    """A Spark output folder at ``path``: Parquet if it ends in .parquet, else JSONL parts.

    Parquet has the columns and the ``metadata`` struct of ``ingest``'s own Parquet output
    (``ingest.io.parquet``; pyarrow, the ``parquet`` extra, is needed on every node).
    """
    if path.lower().rstrip("/").endswith(PARQUET):
        from pyspark.sql.pandas.types import from_arrow_schema

        schema = from_arrow_schema(record_schema(_pyarrow()))
        spark.createDataFrame(records.mapPartitions(_parquet_rows), schema).write.parquet(path)
        return
    records.map(lambda r: encode_line(r)[:-1]).saveAsTextFile(path, output_codec(path))


def _parquet_rows(records: Iterable[Record]) -> Iterator[dict[str, Any]]:
    schema = record_schema(_pyarrow())
    for record in records:
        yield parquet_row(record, schema)
