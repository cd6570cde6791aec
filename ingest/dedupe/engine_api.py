"""The local engine's decisions as functions over a few documents: what the Spark engine runs.

The Spark engine (``ingest/dedupe/spark/``) moves documents, band keys, pairs and components
between machines; every decision about them is made here, by the local engine's own code on
the documents concerned, so that both engines keep the same records:

- ``frame_keys`` and ``Featurizer``: what a document is compared by (the frame pass's keys,
  then its exact hash, signature, shingle count, length and metadata richness);
- ``band_keys`` and ``bucket_pairs``: the LSH candidates of one band bucket;
- ``verified``: which candidate pairs are copies;
- ``exact_group`` and ``decide_component``: who is kept, in a group of exact copies and in a
  connected component of the similarity graph.

A document's features travel as a ``Features`` dict: the columns of the local engine's table
for that document, whatever they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..record import Record
from .cluster import UnionFind, _bucket_pairs, verified_edges
from .config import DedupeConfig, DedupeStats
from .deduplicator import COLUMNS, Decision, Deduplicator, _Table, frame_keys
from .minhash import band_column

__all__ = [
    "Decision",
    "Features",
    "Featurizer",
    "bucket_pairs",
    "decide_component",
    "exact_group",
    "frame_keys",
    "lsh_bands",
    "verified",
]

Features = dict[str, Any]
# Documents signed at a time: the table is emptied between batches, so memory stays flat.
BATCH = 4096


def lsh_bands(config: DedupeConfig) -> tuple[int, int]:
    """(bands, rows) of the LSH, as the local engine chooses them."""
    deduplicator = Deduplicator(config)
    return deduplicator.bands, deduplicator.rows


class Featurizer:
    """Signs documents as the local engine does, given the corpus's frame keys (``common``)."""

    def __init__(self, config: DedupeConfig, common: np.ndarray) -> None:
        self._deduplicator = Deduplicator(config)
        self._common = common

    def features(self, records: Iterable[Record]) -> Iterator[Features]:
        """Each record's features, in order."""
        deduplicator = self._deduplicator
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) == BATCH:
                yield from self._sign(batch)
                batch = []
        if batch:
            yield from self._sign(batch)
        deduplicator._table = _Table(deduplicator.config.num_perm)

    def _sign(self, batch: list[Record]) -> Iterator[Features]:
        deduplicator = self._deduplicator
        deduplicator._table = _Table(deduplicator.config.num_perm)
        for record in batch:
            deduplicator._sign(record, self._common)
        table = deduplicator._table
        for position in range(len(batch)):
            yield {name: getattr(table, name)[position] for name in COLUMNS}


def band_keys(features: Sequence[Features], bands: int, rows: int) -> np.ndarray:
    """The LSH band keys of documents, one row of ``bands`` uint64 keys each."""
    signatures = np.stack([f["signatures"] for f in features])
    return np.stack([band_column(signatures, band, rows) for band in range(bands)], axis=1)


def bucket_pairs(members: Sequence[int]) -> np.ndarray:
    """Candidate pairs (i < j) among the documents (global numbers) of one band bucket."""
    return _bucket_pairs(np.sort(np.asarray(members, dtype=np.int64)))


def verified(pairs: Sequence[tuple[Features, Features]], config: DedupeConfig) -> list[bool]:
    """Whether each candidate pair passes the local engine's verification."""
    if not pairs:
        return []
    table = _table_of(("", f) for pair in pairs for f in pair)
    local = np.arange(2 * len(pairs), dtype=np.int64).reshape(-1, 2)
    passed = {
        a // 2 for a, _ in verified_edges(local, table.signatures, table.sizes, config.threshold)
    }
    return [n in passed for n in range(len(pairs))]


@dataclass(frozen=True, slots=True)
class ComponentResult:
    """A component's duplicates (member number -> decision, numbers as given) and its report."""

    decisions: dict[int, Decision]
    clusters: list[tuple[int, dict[str, Any]]]  # (number of the kept member, cluster entry)
    stats: DedupeStats


def exact_group(members: Sequence[tuple[str, Features]], config: DedupeConfig) -> int:
    """Which member (by position; members in input order) stands for a group of exact copies."""
    deduplicator = _deduplicator_of(members, config)
    representatives = deduplicator._union_exact_groups(UnionFind(), deduplicator._column("exact"))
    return int(np.flatnonzero(representatives)[0])


def decide_component(
    numbers: Sequence[int],
    members: Sequence[tuple[str, Features]],
    neighbours: Mapping[int, Iterable[int]],
    config: DedupeConfig,
) -> ComponentResult:
    """Who is kept in one connected component, as the local engine decides it.

    ``numbers`` are the members' global input positions, increasing; ``members`` their
    ids and features; ``neighbours`` their edges in the similarity graph (exact copies and
    verified pairs), by global number.
    """
    deduplicator = _deduplicator_of(members, config)
    local = {number: position for position, number in enumerate(numbers)}
    adjacency = {local[n]: [local[m] for m in neighbours.get(n, ()) if m in local] for n in numbers}
    columns = (
        deduplicator._column("signatures"),
        deduplicator._column("sizes"),
        deduplicator._column("exact"),
    )
    deduplicator._decide_component(list(range(len(numbers))), adjacency, columns)
    deduplicator._count()
    decisions = {
        numbers[position]: Decision(numbers[d.kept], d.similarity, d.exact)
        for position, d in deduplicator.duplicates.items()
    }
    by_id = {member[0]: number for member, number in zip(members, numbers, strict=True)}
    clusters = [(by_id[entry["cluster"]], entry) for entry in deduplicator.clusters()]
    return ComponentResult(decisions, clusters, deduplicator.stats)


def _table_of(members: Iterable[tuple[str, Features]]) -> _Table:
    members = list(members)
    table = _Table(len(members[0][1]["signatures"]) if members else 2)
    for record_id, features in members:
        table.add(record_id, features)
    table.trim()
    return table


def _deduplicator_of(members: Sequence[tuple[str, Features]], config: DedupeConfig) -> Deduplicator:
    deduplicator = Deduplicator(config)
    deduplicator._table = _table_of(members)
    return deduplicator
