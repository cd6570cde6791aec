"""``ingest dedupe --engine spark``: options in, a Spark session, records and reports out."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import click
from py4j.protocol import Py4JError, Py4JJavaError
from pyspark import RDD
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from ...cli import BUG_HINT, RunOptions, RunStats, _summary
from ...errors import IngestError
from ...io import atomic_output, check_output_folder
from ...io.inputs import STDIN
from ...io.outputs import encode_line
from ...record import Record
from ..config import DedupeConfig
from .api import dedupe_files
from .sources import URI, output_codec, write_records

# A local master starts with few shuffle partitions: the default (200) is for clusters, and
# on one machine each partition is a task of its own.
LOCAL_SHUFFLE_PARTITIONS = "8"
QUIET_LOG = Path(__file__).with_name("log4j2.properties").as_uri()


def spark_config(option: dict[str, Any]) -> DedupeConfig:
    """The dedupe options as a ``DedupeConfig`` (the same fields as the local engine's)."""
    names = {f.name for f in dataclasses.fields(DedupeConfig)}
    return DedupeConfig(**{k: v for k, v in option.items() if k in names})


def run_dedupe(run: RunOptions, option: dict[str, Any], master: str | None) -> None:
    """Run dedupe on Spark, as ``execute`` runs a local stage: errors, summary, exit code."""
    started = time.perf_counter()
    try:
        config = spark_config(option)
        output, clusters = _check_arguments(run, option)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    except IngestError as error:
        _fail(str(error))
    spark = spark_session(master)
    try:
        stats = _run(spark, config, run, output, clusters)
    except IngestError as error:
        _fail(str(error))
    except (Py4JJavaError, PySparkException, Py4JError) as error:
        _fail(f"spark: {_first_line(error)}")
    except KeyboardInterrupt:
        click.echo("ingest: interrupted", err=True)
        sys.exit(130)
    except Exception as error:
        if os.environ.get("INGEST_DEBUG"):
            raise
        _fail(f"unexpected {type(error).__name__}: {error} ({BUG_HINT})")
    finally:
        spark.stop()
    if not run.quiet:
        click.echo(_summary("dedupe", stats, time.perf_counter() - started), err=True)
    sys.exit(1 if stats.errors else 0)


def _check_arguments(run: RunOptions, option: dict[str, Any]) -> tuple[str | None, str | None]:
    if option.get("index"):
        raise ValueError("--index works with the local engine only")
    if not run.inputs or STDIN in run.inputs:
        raise ValueError("the spark engine reads files or folders, not stdin")
    output = run.output if run.output not in (None, STDIN) else None
    if output:
        output_codec(output)
    clusters = option.get("clusters")
    for path in (output, clusters):
        if path and not URI.match(path):
            check_output_folder(path)
    return output, clusters


def _fail(message: str) -> None:
    click.echo(f"ingest: error: {message}", err=True)
    sys.exit(1)


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "java_exception", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def spark_session(master: str | None) -> SparkSession:
    """A session on ``master`` (``None``: spark-submit's, else ``local[*]``); on this machine,
    with few shuffle partitions, no UI, and Spark's log at errors only."""
    builder = SparkSession.builder.appName("ingest dedupe")
    if master:
        builder = builder.master(master)
    launching = "PYSPARK_GATEWAY_PORT" not in os.environ  # not started by spark-submit
    if launching and (master or "local").startswith("local"):
        # Workers on this machine run this interpreter (and see this checkout of ingest).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.sql.shuffle.partitions", LOCAL_SHUFFLE_PARTITIONS)
        builder = builder.config("spark.ui.enabled", "false")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        quiet = f"-Dlog4j.configurationFile={QUIET_LOG}"
        builder = builder.config("spark.driver.extraJavaOptions", quiet)
    # PySpark checks for pandas when it converts numpy values, and warns of pandas 3.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _run(
    spark: SparkSession,
    config: DedupeConfig,
    run: RunOptions,
    output: str | None,
    clusters: str | None,
) -> RunStats:
    result = dedupe_files(spark, run.inputs, config, strict=run.strict, hidden=run.hidden)
    for message in result.errors:
        click.echo(f"ingest: error: {message}", err=True)
    _write(spark, result.records, output)
    if clusters:
        _write_clusters(result.clusters, clusters)
    return RunStats(
        records_in=result.records_in,
        records_out=result.records_out,
        errors=len(result.errors),
        details=[result.stats.summary],
    )


def _write(spark: SparkSession, records: RDD[Record], output: str | None) -> None:
    if output:
        write_records(spark, records, output)
        return
    stream = sys.stdout.buffer
    for record in records.toLocalIterator(prefetchPartitions=True):
        stream.write(encode_line(record))
    stream.flush()


def _write_clusters(lines: RDD[str], path: str) -> None:
    if URI.match(path):
        lines.saveAsTextFile(path)
        return
    with atomic_output(path) as stream:
        for line in lines.toLocalIterator(prefetchPartitions=True):
            stream.write(line.encode("utf-8") + b"\n")
