"""``ingest dedupe``: exact and near-duplicate detection (MinHash LSH) across all sources.

``Deduplicator`` (in ``deduplicator.py``) does the work; see its module for the passes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from ..io import atomic_output
from ..record import Record
from .config import DEFAULT_CONFIG, KEEP_RULES, DedupeConfig, DedupeStats
from .deduplicator import Deduplicator

__all__ = [
    "KEEP_RULES",
    "DedupeConfig",
    "DedupeStats",
    "Deduplicator",
    "dedupe_records",
    "write_clusters",
]


def dedupe_records(
    records: Iterable[Record], config: DedupeConfig = DEFAULT_CONFIG
) -> Iterator[Record]:
    """The dedupe stage: ``records`` without their duplicates, in input order."""
    return Deduplicator(config).run(records)


def write_clusters(deduplicator: Deduplicator, path: str) -> None:
    """The clusters report as JSONL, written atomically."""
    with atomic_output(path) as stream:
        for cluster in deduplicator.clusters():
            stream.write(json.dumps(cluster, ensure_ascii=False).encode("utf-8") + b"\n")
