"""``ingest dedupe``: exact and near-duplicate detection (MinHash LSH) across all sources.

``Deduplicator`` (in ``deduplicator.py``) does the work; see its module for the passes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..record import Record
from .config import DEFAULT_CONFIG, KEEP_RULES, DedupeConfig, DedupeStats

# The engine (numpy behind it) is imported when a run needs it, so that
# importing the CLI or this package's config stays quick.
if TYPE_CHECKING:
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
    from .deduplicator import Deduplicator

    return Deduplicator(config).run(records)


def write_clusters(deduplicator: Deduplicator, path: str | os.PathLike[str]) -> None:
    """The clusters report as JSONL, written atomically."""
    from ..io import atomic_output

    with atomic_output(os.fspath(path)) as stream:
        for cluster in deduplicator.clusters():
            stream.write(json.dumps(cluster, ensure_ascii=False).encode("utf-8") + b"\n")


def __getattr__(name: str) -> Any:
    if name == "Deduplicator":
        from .deduplicator import Deduplicator

        return Deduplicator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
