"""The Spark engine on a ``local[2]`` master next to the local engine, on the same corpus.

The corpus is ``spark_corpus.py``'s (the development set, the held-out set, framed
negatives, exact copies, and COUNT documents edited at random), written once as JSONL files.
Both engines read those files and dedupe them with the default options; the kept ids must
be equal. Reported: docs/s of each engine (the Spark run once cold, just after the session
started, and once warm), the session's start-up, and CPU seconds of the whole process tree
(Spark's JVM and Python workers included), which the machine's load does not inflate.

    pip install '.[spark]'
    python benchmarks/bench_spark.py [--count 10000] [--master 'local[2]']
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from _common import table
from spark_corpus import write_corpus

from ingest import read_records
from ingest.dedupe import DedupeConfig, Deduplicator

TICK = os.sysconf("SC_CLK_TCK")
T = TypeVar("T")


def tree_cpu_seconds() -> float:
    """CPU time of this process and its descendants (live ones, and those they reaped)."""
    parents: dict[int, list[tuple[int, float]]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = sum(int(x) for x in fields[11:15]) / TICK  # utime stime cutime cstime
        parents.setdefault(int(fields[1]), []).append((int(name), cpu))
    own = os.times()
    total, stack = own.user + own.system, [os.getpid()]
    while stack:
        for pid, cpu in parents.get(stack.pop(), []):
            total += cpu
            stack.append(pid)
    return total


def measured(run: Callable[[], T]) -> tuple[T, float, float]:
    """(result, wall seconds, CPU seconds of the process tree)."""
    cpu, started = tree_cpu_seconds(), time.perf_counter()
    result = run()
    return result, time.perf_counter() - started, tree_cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10000, help="documents edited at random")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    config = DedupeConfig()
    with tempfile.TemporaryDirectory() as folder:
        total = len(write_corpus(Path(folder), args.count))
        rows = []

        def local() -> list[str]:
            return [r.id for r in Deduplicator(config).run(read_records([folder]))]

        kept, seconds, cpu = measured(local)
        rows.append(["local engine", total, len(kept), f"{seconds:.1f}", f"{cpu:.1f}"])
        from ingest.dedupe.spark import dedupe_files
        from ingest.dedupe.spark.command import spark_session

        spark, start, start_cpu = measured(lambda: spark_session(args.master))

        def on_spark() -> list[str]:
            run = dedupe_files(spark, [folder], config)
            return [r.id for r in run.records.toLocalIterator(prefetchPartitions=True)]

        for label in ("cold", "warm"):
            ids, seconds, cpu = measured(on_spark)
            assert ids == kept, "the engines kept different records"
            name = f"spark {args.master}, {label}"
            rows.append([name, total, len(ids), f"{seconds:.1f}", f"{cpu:.1f}"])
        spark.stop()
    for row in rows:
        row.insert(4, f"{row[1] / float(row[3]):,.0f}")
    load = os.getloadavg()[0]
    print(f"\nspark session start: {start:.1f} s ({start_cpu:.1f} CPU s); load average {load:.1f}")
    print(table(rows, ["engine", "docs", "kept", "seconds", "docs/s", "CPU s"]))


if __name__ == "__main__":
    main()
