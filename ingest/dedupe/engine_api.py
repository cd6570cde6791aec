"""The local engine's decisions as functions over a few documents: what the Spark engine runs.

The Spark engine (``ingest/dedupe/spark/``) moves documents, keys, pairs and components
between machines; every decision about them is made here, by the local engine's own code
(a ``Deduplicator`` over just the documents concerned), so that both engines keep the same
records:

- ``frame_keys``, ``common_parts`` and ``variant_keys``: the frame pass (what to count
  across the corpus, and the frame it gives);
- ``Featurizer``: what a document is compared by (exact hash, signature, shingle count,
  length, metadata richness...);
- ``band_keys`` and ``bucket_pairs``: the LSH candidates of one band bucket;
- ``verified``: which candidate pairs are copies (near a cut, by their exact shingle sets);
- ``exact_group`` and ``decide_component``: who is kept, in a group of exact copies and in a
  connected component of the similarity graph.

A document travels as a ``Member``: its record (the texts are needed near a cut and for the
evidence) and its ``Features``, the local engine's table columns for it, whatever they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..record import Record
from .cluster import UnionFind, _bucket_pairs
from .common import CommonParts
from .config import DedupeConfig, DedupeStats
from .deduplicator import COLUMNS, Decision, Deduplicator
from .minhash import band_column

__all__ = [
    "ComponentResult",
    "Decision",
    "Features",
    "Featurizer",
    "Member",
    "band_keys",
    "bucket_pairs",
    "common_parts",
    "decide_component",
    "exact_group",
    "frame_keys",
    "lsh_bands",
    "variant_keys",
    "verified",
]

Features = dict[str, Any]
Member = tuple[Record, Features]
# Documents signed with one Deduplicator: its per-position state is dropped between batches.
BATCH = 4096


class _Records(list[Record]):
    """Records at hand, read by position as the local engine reads its spool."""

    def read(self, position: int) -> Record:
        return self[position]


def lsh_bands(config: DedupeConfig) -> tuple[int, int]:
    """(bands, rows) of the LSH, as the local engine chooses them."""
    deduplicator = Deduplicator(config)
    return deduplicator.bands, deduplicator.rows


def frame_keys(
    records: Iterable[Record], config: DedupeConfig
) -> Iterator[tuple[set[int], set[int]]]:
    """Each document's keys to count across the corpus: of its lines, of its sentences."""
    deduplicator = Deduplicator(config)
    for batch in _batches(records):
        yield from deduplicator._learn(batch)


def common_parts(lines: np.ndarray, sentences: np.ndarray, config: DedupeConfig) -> CommonParts:
    """The frame, from the sorted keys found often enough (``at_least`` of the counts)."""
    return CommonParts(lines, sentences, config.ngram)


def variant_keys(
    records: Iterable[Record], common: CommonParts, config: DedupeConfig
) -> Iterator[set[int]]:
    """Each document's hashes of the shingles of its common sentences (``common.variants``
    is their union, when there are common sentences)."""
    for batch in _batches(records):
        deduplicator = _learnt(batch, config, common)
        for position, record in enumerate(batch):
            yield deduplicator._variant_keys(common, record, position)


class Featurizer:
    """Signs documents as the local engine does, given the corpus's frame."""

    def __init__(self, config: DedupeConfig, common: CommonParts) -> None:
        self.config = config
        self.common = common

    def features(self, records: Iterable[Record]) -> Iterator[Features]:
        """Each record's features, in order."""
        for batch in _batches(records):
            deduplicator = _learnt(batch, self.config, self.common)
            deduplicator._sign(batch, 0)
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


def verified(
    pairs: Sequence[tuple[Member, Member]], config: DedupeConfig, common: CommonParts
) -> list[bool]:
    """Whether each candidate pair is a copy, by the local engine's verification."""
    if not pairs:
        return []
    deduplicator = _deduplicator_of([m for pair in pairs for m in pair], config, common)
    local = np.arange(2 * len(pairs), dtype=np.int64).reshape(-1, 2)
    judge = deduplicator._judge()
    passed = {a // 2 for a, _ in judge.verified_edges(local, lambda a, b: False)}
    return [n in passed for n in range(len(pairs))]


@dataclass(frozen=True, slots=True)
class ComponentResult:
    """A component's duplicates (global number -> decision, ``kept`` a global number too),
    its clusters report (number of the kept member, entry), and its counts."""

    decisions: dict[int, Decision]
    clusters: list[tuple[int, dict[str, Any]]]
    stats: DedupeStats


def exact_group(members: Sequence[Member], config: DedupeConfig, common: CommonParts) -> int:
    """Which member (by position; members in input order) stands for a group of exact copies."""
    deduplicator = _deduplicator_of(members, config, common)
    representatives = deduplicator._union_exact_groups(UnionFind(), deduplicator._column("exact"))
    return int(np.flatnonzero(representatives)[0])


def decide_component(
    numbers: Sequence[int],
    members: Sequence[Member],
    pairs: Iterable[tuple[int, int]],
    config: DedupeConfig,
    common: CommonParts,
) -> ComponentResult:
    """Who is kept in one connected component, as the local engine decides it.

    ``numbers`` are the members' global input positions, increasing; ``members`` their
    records and features; ``pairs`` the candidate pairs among them that verification passed
    (global numbers). The local engine joins the exact copies, links the pairs (in its order,
    which decides which edges it keeps near a cut) and decides.
    """
    deduplicator = _deduplicator_of(members, config, common)
    local = {number: position for position, number in enumerate(numbers)}
    ordered = sorted((local[a], local[b]) for a, b in pairs)
    edges = np.array(ordered, dtype=np.int64).reshape(-1, 2)
    judge = deduplicator._judge()
    union = UnionFind()
    deduplicator._union_exact_groups(union, judge.hashes)
    deduplicator._decide_graph(union, judge, edges)
    decisions = {
        numbers[position]: Decision(numbers[d.kept], d.similarity, d.exact, d.evidence)
        for position, d in deduplicator.duplicates.items()
    }
    by_id = {record.id: number for (record, _), number in zip(members, numbers, strict=True)}
    clusters = [(by_id[entry["cluster"]], entry) for entry in deduplicator.clusters()]
    return ComponentResult(decisions, clusters, deduplicator.stats)


def _batches(records: Iterable[Record]) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _learnt(records: Sequence[Record], config: DedupeConfig, common: CommonParts) -> Deduplicator:
    """A Deduplicator that has seen ``records`` in pass 1 (their sites and shingle units)."""
    deduplicator = Deduplicator(config)
    deduplicator._common = common
    deduplicator._learn(records)
    return deduplicator


def _deduplicator_of(
    members: Sequence[Member], config: DedupeConfig, common: CommonParts
) -> Deduplicator:
    """A Deduplicator holding ``members`` as its documents, in order, texts at hand."""
    records = _Records(record for record, _ in members)
    deduplicator = _learnt(records, config, common)
    for record, features in members:
        deduplicator._table.add(record.id, features)
    deduplicator._table.trim()
    deduplicator._spool = records  # type: ignore[assignment]
    return deduplicator
