"""The Spark engine's passes, over documents numbered in input order.

(1) the frame pass: the local engine's keys of every document's lines and sentences,
counted with an aggregation, the frequent ones (and the shingles of the common sentences, a
second aggregation) broadcast as the local engine's frame; (2) features in
``mapPartitions`` (the local signer); (3) exact groups: a group-by on the exact hash, its
representative chosen by the local keep rule; (4) the band table exploded, grouped by band
key, each bucket's pairs as the local engine makes them; (5) the pairs joined with both
documents (records and features) and verified by the local code; (6) connected components
(``graph.py``); (7) each component decided by the local engine, with its members in input
order and its verified pairs; (8) the records sorted back into input order with the
decisions, and annotated as the local engine annotates them.
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
from ..common import CommonParts
from ..config import DedupeConfig, DedupeStats
from ..deduplicator import annotation
from ..engine_api import (
    Decision,
    Featurizer,
    band_keys,
    bucket_pairs,
    common_parts,
    decide_component,
    exact_group,
    frame_keys,
    lsh_bands,
    variant_keys,
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
        self.common: Any = None  # the frame, broadcast, once learnt

    def decide(self, numbered: RDD[tuple[int, Record]]) -> SparkOutcome:
        """Duplicates and clusters of ``numbered``: (input number, record) pairs."""
        self.common = self.spark.sparkContext.broadcast(self._frame(numbered))
        featurize = partial(_featurize, self.config, self.common, self.bands, self.rows)
        documents = self.spark.createDataFrame(numbered.mapPartitions(featurize), DOCUMENTS)
        documents = documents.persist(PERSIST)
        exact_edges = self._exact_edges(documents).localCheckpoint()
        candidates = self._candidates(documents, exact_edges)
        verified = self._verified(documents, candidates).localCheckpoint()
        outcome = self._components(documents, exact_edges, verified).persist(PERSIST)
        duplicates = outcome.filter(lambda o: o[0] == "d").map(lambda o: (o[1], o[2:]))
        clusters = outcome.filter(lambda o: o[0] == "c").map(lambda o: (o[1], o[2]))
        kinds = duplicates.map(lambda d: (bool(d[1][3]), 1)).reduceByKey(add).collectAsMap()
        stats = DedupeStats(exact=kinds.get(True, 0), near=kinds.get(False, 0))
        return SparkOutcome(duplicates, clusters, stats)

    def _frame(self, numbered: RDD[tuple[int, Record]]) -> CommonParts:
        """The frame as the local engine learns it: lines found in ``common_lines`` documents
        of a site, sentences in ``common_sentences``, and the shingles of those sentences."""
        config = self.config
        keys = numbered.mapPartitions(partial(_frame_keys, config))
        counted = self.spark.createDataFrame(keys, "kind int, key long").groupBy("kind", "key")
        floor = F.when(F.col("kind") == 0, config.common_lines).otherwise(config.common_sentences)
        frequent = counted.count().where((floor > 0) & (F.col("count") >= floor))
        found: dict[int, list[int]] = {0: [], 1: []}
        for row in frequent.select("kind", "key").collect():
            found[row.kind].append(row.key)
        common = common_parts(_sorted_keys(found[0]), _sorted_keys(found[1]), config)
        if len(common.sentences):
            shared = self.spark.sparkContext.broadcast(common)
            hashes = numbered.mapPartitions(partial(_variant_keys, config, shared))
            variants = self.spark.createDataFrame(hashes, "key long").distinct().collect()
            common.variants = _sorted_keys([row.key for row in variants])
        return common

    def _exact_edges(self, documents: DataFrame) -> DataFrame:
        """(representative, copy) for every exact copy but the one its group keeps."""
        repeated = documents.groupBy("exact").count().where(F.col("count") > 1).select("exact")
        members = documents.join(repeated, "exact").select("exact", "idx", "features")
        grouped = members.rdd.map(lambda r: (r.exact, (r.idx, r.features))).groupByKey()
        links = grouped.flatMap(partial(_exact_links, self.config, self.common))
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
        passed = joined.rdd.mapPartitions(partial(_verify, self.config, self.common))
        return self.spark.createDataFrame(passed, EDGES)

    def _components(
        self, documents: DataFrame, exact_edges: DataFrame, verified: DataFrame
    ) -> RDD[Outcome]:
        """Each connected component decided by the local engine, from its members and its
        verified pairs (the exact copies it finds again)."""
        labels = connected_components(exact_edges.union(verified)).localCheckpoint()
        members = labels.join(
            documents.select(F.col("idx").alias("node"), "features"), "node"
        ).rdd.map(lambda r: (r.component, (0, r.node, r.features)))
        pairs = verified.join(labels.withColumnRenamed("node", "src"), "src").rdd.map(
            lambda r: (r.component, (1, r.src, r.dst))
        )
        grouped = members.union(pairs).groupByKey()
        return grouped.flatMap(partial(_decide, self.config, self.common))


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _sorted_keys(keys: list[int]) -> np.ndarray:
    return np.sort(np.array(keys, dtype=np.int64).view(np.uint64))


def _frame_keys(config: DedupeConfig, numbered: Iterable[tuple[int, Record]]) -> Iterator[Any]:
    for lines, sentences in frame_keys((record for _, record in numbered), config):
        for kind, keys in ((0, lines), (1, sentences)):
            if keys:
                yield from ((kind, key) for key in signed(np.array(list(keys), dtype=np.uint64)))


def _variant_keys(
    config: DedupeConfig, common: Any, numbered: Iterable[tuple[int, Record]]
) -> Iterator[Any]:
    for keys in variant_keys((record for _, record in numbered), common.value, config):
        if keys:
            yield from ((key,) for key in signed(np.array(list(keys), dtype=np.uint64)))


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
                pickle.dumps((record, f), protocol=pickle.HIGHEST_PROTOCOL),
            )


def _exact_links(
    config: DedupeConfig, common: Any, group: tuple[int, Iterable[tuple[int, bytes]]]
) -> Iterator[tuple[int, int]]:
    members = sorted(group[1])
    best = exact_group([pickle.loads(m[1]) for m in members], config, common.value)
    for position, member in enumerate(members):
        if position != best:
            yield (members[best][0], member[0])


def _bucket_pairs(row: Any) -> Iterator[tuple[int, int]]:
    yield from map(tuple, bucket_pairs(row.members).tolist())


def _verify(config: DedupeConfig, common: Any, rows: Iterable[Any]) -> Iterator[tuple[int, int]]:
    for chunk in _chunks(rows, PAIR_BATCH):
        pairs = [(pickle.loads(r.fa), pickle.loads(r.fb)) for r in chunk]
        for row, passed in zip(chunk, verified(pairs, config, common.value), strict=True):
            if passed:
                yield (row.a, row.b)


def _decide(
    config: DedupeConfig, common: Any, group: tuple[int, Iterable[tuple[int, int, Any]]]
) -> Iterator[Outcome]:
    members: list[tuple[int, bytes]] = []
    pairs: list[tuple[int, int]] = []
    for kind, first, second in group[1]:
        (pairs if kind else members).append((first, second))
    members.sort()
    numbers = [number for number, _ in members]
    loaded = [pickle.loads(blob) for _, blob in members]
    ids = {number: record.id for number, (record, _) in zip(numbers, loaded, strict=True)}
    result = decide_component(numbers, loaded, pairs, config, common.value)
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
