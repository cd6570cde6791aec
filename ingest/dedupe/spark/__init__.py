"""``ingest dedupe --engine spark``: the dedupe stage on a Spark cluster, keeping what the
local engine keeps.

Spark moves the data (band table, candidate pairs, components); the local engine's own code
decides (``ingest/dedupe/engine_api.py``). Importing this package imports PySpark: the CLI
does it only when the spark engine is asked for.

    ingest dedupe --engine spark --master 'local[4]' corpus/ -o deduped.jsonl.gz
    python -m ingest.dedupe.spark corpus/ -o deduped/      # the same, as a module
    spark-submit --py-files ingest.whl scripts/spark_dedupe.py s3a://bucket/corpus/ -o ...
"""

from __future__ import annotations

from .api import SparkRun, dedupe_files
from .command import run_dedupe

__all__ = ["SparkRun", "dedupe_files", "run_dedupe"]
