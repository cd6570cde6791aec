"""The Spark engine's passes, over documents numbered in input order.

(1) the frame pass: the local engine's frame keys of every document, counted with an
aggregation, the frequent ones broadcast; (2) features in ``mapPartitions`` (the local
signer); (3) exact groups: a group-by on the exact hash, its representative chosen by the
local keep rule; (4) the band table exploded, grouped by band key, each bucket's pairs as the
local engine makes them; (5) the pairs joined with both documents' features and verified by
the local code; (6) connected components (``graph.py``); (7) each component decided by the
local engine, with its members in input order and its edges; (8) the records sorted back into
input order with the decisions, and annotated as the local engine annotates them.
"""

from __future__ import annotations

import bisect
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import islice
from operator import add
from typing import Any

import numpy as np
from pyspark import RDD, StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ...record import Record
from ..config import DedupeConfig, DedupeStats
from ..deduplicator import annotation
from ..engine_api import (
    Decision,
    Featurizer,
    band_keys,
    bucket_pairs,
    decide_component,
    exact_group,
    frame_keys,
    lsh_bands,
    verified,
)
from .graph import connected_components

DOCUMENTS = "idx long, id string, exact long, size long, bands array<long>, features binary"
EDGES = "src long, dst long"
BATCH = 4096
PAIR_BATCH = 1 << 16
PERSIST = StorageLevel.MEMORY_AND_DISK

# One component's outcome: ("d", member, kept, kept id, similarity, exact) per duplicate,
# ("c", kept, cluster entry) per cluster of its report.
Outcome = tuple[Any, ...]


@dataclass
class SparkOutcome:
    """What a run decided: the duplicates, by input number, and the clusters report."""

    duplicates: RDD[tuple[int, tuple[int, str, float, bool]]]
    clusters: RDD[tuple[int, dict[str, Any]]]
    stats: DedupeStats


def signed(values: np.ndarray) -> list[int]:
    """uint64 values as the int64 Spark stores (same bits)."""
    return np.asarray(values, dtype=np.uint64).view(np.int64).tolist()


class SparkDedupe:
    """The dedupe passes on a Spark session, for one configuration."""

    def __init__(self, spark: SparkSession, config: DedupeConfig) -> None:
        self.spark = spark
        self.config = config
        self.bands, self.rows = lsh_bands(config)

    def decide(self, numbered: RDD[tuple[int, Record]]) -> SparkOutcome:
        """Duplicates and clusters of ``numbered``: (input number, record) pairs."""
        common = self.spark.sparkContext.broadcast(self._frame(numbered))
        featurize = partial(_featurize, self.config, common, self.bands, self.rows)
        documents = self.spark.createDataFrame(numbered.mapPartitions(featurize), DOCUMENTS)
        documents = documents.persist(PERSIST)
        exact_edges = self._exact_edges(documents).localCheckpoint()
        candidates = self._candidates(documents, exact_edges)
        edges = exact_edges.union(self._verified(documents, candidates)).localCheckpoint()
        outcome = self._components(documents, edges).persist(PERSIST)
        duplicates = outcome.filter(lambda o: o[0] == "d").map(lambda o: (o[1], o[2:]))
        clusters = outcome.filter(lambda o: o[0] == "c").map(lambda o: (o[1], o[2]))
        kinds = duplicates.map(lambda d: (bool(d[1][3]), 1)).reduceByKey(add).collectAsMap()
        stats = DedupeStats(exact=kinds.get(True, 0), near=kinds.get(False, 0))
        return SparkOutcome(duplicates, clusters, stats)

    def _frame(self, numbered: RDD[tuple[int, Record]]) -> np.ndarray:
        """Sorted frame keys found in ``common_lines`` documents or more (the local rule)."""
        if not self.config.common_lines:
            return np.zeros(0, dtype=np.uint64)
        config = self.config
        keys = numbered.mapPartitions(partial(_frame_keys, config))
        counted = self.spark.createDataFrame(keys, "key long").groupBy("key").count()
        frequent = counted.where(F.col("count") >= config.common_lines).select("key")
        values = np.array([row.key for row in frequent.collect()], dtype=np.int64)
        return np.sort(values.view(np.uint64))

    def _exact_edges(self, documents: DataFrame) -> DataFrame:
        """(representative, copy) for every exact copy but the one its group keeps."""
        repeated = documents.groupBy("exact").count().where(F.col("count") > 1).select("exact")
        members = documents.join(repeated, "exact").select("exact", "idx", "id", "features")
        grouped = members.rdd.map(lambda r: (r.exact, (r.idx, r.id, r.features))).groupByKey()
        links = grouped.flatMap(partial(_exact_links, self.config))
        return self.spark.createDataFrame(links, EDGES)

    def _candidates(self, documents: DataFrame, exact_edges: DataFrame) -> DataFrame:
        """Pairs (a < b) sharing a band key, among documents with shingles that stand for
        their exact group, made per bucket as the local engine makes them."""
        copies = exact_edges.select(F.col("dst").alias("idx"))
        active = documents.where(F.col("size") > 0).join(copies, "idx", "left_anti")
        table = active.select("idx", F.posexplode("bands").alias("band", "key"))
        buckets = (
            table.groupBy("band", "key")
            .agg(F.collect_list("idx").alias("members"))
            .where(F.size("members") > 1)
        )
        pairs = buckets.select("members").rdd.flatMap(_bucket_pairs)
        return self.spark.createDataFrame(pairs, "a long, b long").distinct()

    def _verified(self, documents: DataFrame, candidates: DataFrame) -> DataFrame:
        """The candidate pairs the local verification passes, as edges."""
        first = documents.select(F.col("idx").alias("a"), F.col("features").alias("fa"))
        second = documents.select(F.col("idx").alias("b"), F.col("features").alias("fb"))
        joined = candidates.join(first, "a").join(second, "b").select("a", "b", "fa", "fb")
        passed = joined.rdd.mapPartitions(partial(_verify, self.config))
        return self.spark.createDataFrame(passed, EDGES)

    def _components(self, documents: DataFrame, edges: DataFrame) -> RDD[Outcome]:
        """Each connected component decided by the local engine."""
        labels = connected_components(edges)
        both = edges.select(F.col("src").alias("node"), F.col("dst").alias("other")).union(
            edges.select(F.col("dst").alias("node"), F.col("src").alias("other"))
        )
        adjacency = both.groupBy("node").agg(F.collect_list("other").alias("neighbours"))
        members = labels.join(
            documents.select(F.col("idx").alias("node"), "id", "features"), "node"
        ).join(adjacency, "node", "left")
        grouped = members.rdd.map(
            lambda r: (r.component, (r.node, r.id, r.features, r.neighbours or []))
        ).groupByKey()
        return grouped.flatMap(partial(_decide, self.config))


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _frame_keys(config: DedupeConfig, numbered: Iterable[tuple[int, Record]]) -> Iterator[Any]:
    for _, record in numbered:
        keys = list(frame_keys(record, config))
        if keys:
            yield from ((key,) for key in signed(np.array(keys, dtype=np.uint64)))


def _featurize(
    config: DedupeConfig,
    common: Any,
    bands: int,
    rows: int,
    numbered: Iterable[tuple[int, Record]],
) -> Iterator[tuple[Any, ...]]:
    featurizer = Featurizer(config, common.value)
    for chunk in _chunks(numbered, BATCH):
        features = list(featurizer.features(record for _, record in chunk))
        keys = band_keys(features, bands, rows)
        exact = signed(np.array([f["exact"] for f in features], dtype=np.uint64))
        for (number, record), f, key_row, exact_hash in zip(
            chunk, features, keys, exact, strict=True
        ):
            yield (
                number,
                record.id,
                exact_hash,
                int(f["sizes"]),
                signed(key_row),
                pickle.dumps(f, protocol=pickle.HIGHEST_PROTOCOL),
            )


def _exact_links(
    config: DedupeConfig, group: tuple[int, Iterable[tuple[int, str, bytes]]]
) -> Iterator[tuple[int, int]]:
    members = sorted(group[1])
    best = exact_group([(m[1], pickle.loads(m[2])) for m in members], config)
    for position, member in enumerate(members):
        if position != best:
            yield (members[best][0], member[0])


def _bucket_pairs(row: Any) -> Iterator[tuple[int, int]]:
    yield from map(tuple, bucket_pairs(row.members).tolist())


def _verify(config: DedupeConfig, rows: Iterable[Any]) -> Iterator[tuple[int, int]]:
    for chunk in _chunks(rows, PAIR_BATCH):
        pairs = [(pickle.loads(r.fa), pickle.loads(r.fb)) for r in chunk]
        for row, passed in zip(chunk, verified(pairs, config), strict=True):
            if passed:
                yield (row.a, row.b)


def _decide(
    config: DedupeConfig, group: tuple[int, Iterable[tuple[int, str, bytes, list[int]]]]
) -> Iterator[Outcome]:
    members = sorted(group[1])
    numbers = [m[0] for m in members]
    ids = {m[0]: m[1] for m in members}
    result = decide_component(
        numbers,
        [(m[1], pickle.loads(m[2])) for m in members],
        {m[0]: m[3] for m in members},
        config,
    )
    for member, decision in result.decisions.items():
        kept = decision.kept
        yield ("d", member, kept, ids[kept], decision.similarity, decision.exact)
    for kept, entry in result.clusters:
        yield ("c", kept, entry)


def in_input_order(
    numbered: RDD[tuple[int, Record]],
    duplicates: RDD[tuple[int, tuple[int, str, float, bool]]],
    total: int,
    mark: bool,
) -> RDD[Record]:
    """The records in input order, annotated as the local engine does (copies dropped,
    unless ``mark``): each record meets its decision in one sort by input number."""
    keyed = numbered.map(lambda p: ((p[0], 1), p[1])).union(
        duplicates.map(lambda d: ((d[0], 0), d[1]))
    )
    ordered = in_order(keyed, total, numbered.getNumPartitions())
    return ordered.mapPartitions(partial(_annotate, mark))


def in_order(keyed: RDD[tuple[Any, Any]], total: int, parts: int) -> RDD[tuple[Any, Any]]:
    """Sorted by key, an input number (or a tuple that starts with one) below ``total``, in
    ``parts`` ranges of numbers: a sort without sampling the keys first."""
    parts = max(1, parts)
    bounds = [total * n // parts for n in range(1, parts)]
    return keyed.repartitionAndSortWithinPartitions(parts, partial(_range_part, bounds))


def _range_part(bounds: list[int], key: Any) -> int:
    return bisect.bisect_right(bounds, key[0] if isinstance(key, tuple) else key)


def _annotate(mark: bool, ordered: Iterable[tuple[tuple[int, int], Any]]) -> Iterator[Record]:
    pending: tuple[int, tuple[int, str, float, bool]] | None = None
    for (number, kind), value in ordered:
        if kind == 0:
            pending = (number, value)
            continue
        record: Record = value
        if pending is not None and pending[0] == number:
            _, kept_id, similarity, exact = pending[1]
            if not mark:
                continue
            record.metadata["dedupe"] = annotation(kept_id, Decision(-1, similarity, exact))
        else:
            record.metadata["dedupe"] = annotation(record.id, None)
        yield record
