"""The spark engine as a library: files in, an annotated RDD of records and a report out.

.. code-block:: python

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    run = dedupe_files(spark, ["corpus/"], DedupeConfig(keep="longest"))
    kept_ids = [record.id for record in run.records.toLocalIterator()]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import accumulate

from pyspark import RDD
from pyspark.sql import SparkSession

from ...errors import IngestError, InputError
from ...record import Record
from ..config import DedupeConfig, DedupeStats
from .engine import SparkDedupe, in_input_order, in_order
from .sources import Parsed, check_readable, list_inputs, read_parsed


@dataclass
class SparkRun:
    """One run's results: computed when they are read (Spark is lazy)."""

    #: The records in input order, with ``metadata.dedupe``; copies dropped unless ``mark``.
    records: RDD[Record]
    #: The clusters report, one JSON line per cluster, in the local engine's order.
    clusters: RDD[str]
    stats: DedupeStats
    records_in: int
    #: Inputs and lines that could not be read, as ``<where>: <what>``.
    errors: list[str]
    #: Whether copies stay in ``records`` (``DedupeConfig.mark``).
    mark: bool

    @property
    def records_out(self) -> int:
        duplicates = self.stats.exact + self.stats.near
        return self.records_in if self.mark else self.records_in - duplicates


def dedupe_files(
    spark: SparkSession,
    inputs: Iterable[str],
    config: DedupeConfig,
    strict: bool = False,
    hidden: bool = False,
) -> SparkRun:
    """Dedupe the JSONL and Parquet files ``inputs`` name (files, folders, globs, URIs).

    Bad inputs are skipped and listed in ``errors`` (``strict``: the first raises
    ``InputError``); hidden files are read with ``hidden``. Raises ``IngestError`` when
    ids repeat: the local reader renames a repeated id in input order, which does not scale
    out.
    """
    listing = list_inputs(spark, inputs, hidden)
    errors = [str(error) for error in listing.errors]
    files = []
    for item in listing.files:
        try:
            check_readable(item)
            files.append(item)
        except InputError as error:
            errors.append(str(error))
    parsed = read_parsed(spark, files).persist()
    # One pass counts each partition's records and gathers its errors: the numbers follow.
    tallies = parsed.mapPartitionsWithIndex(_tally).collect()
    errors += [message for tally in tallies for message in tally[2]]
    if strict and errors:
        where, _, what = errors[0].partition(": ")
        raise InputError(where, what)
    starts = list(accumulate((count for _, count, _ in tallies), initial=0))  # by partition
    numbered = parsed.mapPartitionsWithIndex(partial(_number, starts)).persist()
    records_in = sum(t[1] for t in tallies)
    _check_unique_ids(spark, numbered)
    outcome = SparkDedupe(spark, config).decide(numbered)
    annotated = in_input_order(numbered, outcome.duplicates, records_in, config.mark)
    lines = in_order(outcome.clusters, records_in, numbered.getNumPartitions()).map(
        lambda c: json.dumps(c[1], ensure_ascii=False)
    )
    return SparkRun(annotated, lines, outcome.stats, records_in, errors, config.mark)


def _tally(partition: int, parsed: Iterable[Parsed]) -> Iterator[tuple[int, int, list[str]]]:
    """(partition, its records, its errors)."""
    records, errors = 0, []
    for ok, value in parsed:
        if ok:
            records += 1
        else:
            errors.append(value)
    yield (partition, records, errors)


def _number(
    starts: list[int], partition: int, parsed: Iterable[Parsed]
) -> Iterator[tuple[int, Record]]:
    """Records with their input numbers (the partition's first number given)."""
    records = (value for ok, value in parsed if ok)
    yield from enumerate(records, start=starts[partition])


def _check_unique_ids(spark: SparkSession, numbered: RDD[tuple[int, Record]]) -> None:
    ids = spark.createDataFrame(numbered.map(lambda p: (p[1].id,)), "id string")
    repeated = ids.groupBy("id").count().where("count > 1").limit(1).collect()
    if repeated:
        raise IngestError(
            f"id {repeated[0]['id']!r} is found {repeated[0]['count']} times: the spark engine "
            "needs unique ids (the local engine renames repeats)"
        )
