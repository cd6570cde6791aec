"""The dedupe engine: exact and near-duplicate detection (MinHash LSH) across all sources.

Passes over a spool of the input: (1) count in how many of a site's documents each line
appears, so that its headers and footers do not make different stories look alike; (2) sign
each document: an exact hash of its normalized text and a MinHash signature of the shingles
of its other lines; (3) cluster: exact groups, then LSH candidates (band keys computed a band
at a time) verified by their re-estimated similarity, union-find, and each member assigned
to a kept centre it resembles itself; (4) read the spool again and write the records in
input order. Memory holds signatures and a few numbers per document in numpy arrays.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

from ..record import Record, url_host
from ..spool import Spool
from .cluster import (
    Similarity,
    UnionFind,
    assign_centres,
    candidate_pairs,
    equal_runs,
    pair_similarity,
    verified_edges,
)
from .config import DEFAULT_CONFIG, DedupeConfig, DedupeStats
from .index import IndexEntries, load_index, save_index
from .minhash import Signer, optimal_bands
from .shingles import line_keys, normalize_for_shingles, shingle_unit, shingles

# LSH is tuned below the threshold and towards recall (false negatives weigh four times
# false positives): verification removes what it lets in, but cannot find what it misses.
LSH_THRESHOLD_FACTOR = 0.6
LSH_WEIGHTS = (0.2, 0.8)
GROWTH = 4096


@dataclass(frozen=True, slots=True)
class Decision:
    """A duplicate: the record kept for its cluster (a global index), and how alike."""

    kept: int
    similarity: float
    exact: bool


COLUMNS = ("signatures", "sizes", "exact", "lengths", "richness")


class _Table:
    """Per-document numbers in numpy arrays that grow by doubling: all dedupe remembers."""

    def __init__(self, num_perm: int) -> None:
        self.signatures = np.zeros((GROWTH, num_perm), dtype=np.uint32)
        self.sizes = np.zeros(GROWTH, dtype=np.int32)
        self.exact = np.zeros(GROWTH, dtype=np.uint64)
        self.lengths = np.zeros(GROWTH, dtype=np.int64)
        self.richness = np.zeros(GROWTH, dtype=np.int32)
        self.ids: list[str] = []

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, record_id: str, values: dict[str, Any]) -> None:
        n = len(self.ids)
        if n == len(self.sizes):
            for name in COLUMNS:
                array = getattr(self, name)
                setattr(self, name, np.resize(array, (2 * len(array), *array.shape[1:])))
        for name, value in values.items():
            getattr(self, name)[n] = value
        self.ids.append(record_id)

    def trim(self) -> None:
        for name in COLUMNS:
            setattr(self, name, getattr(self, name)[: len(self.ids)])


class Deduplicator:
    """Runs dedupe over records; afterwards holds the clusters and the numbers.

    .. code-block:: python

        deduplicator = Deduplicator(DedupeConfig(keep="longest"))
        for record in deduplicator.run(read_records(["corpus/"])):
            ...
        print(deduplicator.stats.summary())

    Documents are numbered globally: first the entries of the ``--index`` archive, then the
    input in order (``position`` below is an input document's number among the input).
    """

    def __init__(
        self, config: DedupeConfig = DEFAULT_CONFIG, index_path: str | None = None
    ) -> None:
        self.config = config
        self.index_path = index_path
        self.signer = Signer(config.num_perm, config.seed)
        self.bands, self.rows = optimal_bands(
            round(config.threshold * LSH_THRESHOLD_FACTOR, 2), config.num_perm, *LSH_WEIGHTS
        )
        self.stats = DedupeStats()
        self.archive = IndexEntries.empty(config.num_perm)
        if index_path:
            self.archive = load_index(index_path, self._index_parameters())
        self.duplicates: dict[int, Decision] = {}  # input position -> decision
        self._table = _Table(config.num_perm)

    def _index_parameters(self) -> dict[str, Any]:
        c = self.config
        return {
            "num_perm": c.num_perm,
            "seed": c.seed,
            "ngram": c.ngram,
            "shingle": c.shingle,
            "scheme": self.signer.scheme,
        }

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        """The records, without duplicates (or all of them, marked, with ``mark``)."""
        with Spool() as spool:
            common = self._common_lines(spool, records)
            for record in spool:
                self._sign(record, common)
            self._table.trim()
            self._decide()
            yield from self._emit(spool)
        if self.index_path:
            save_index(self.index_path, self._kept_entries(), self._index_parameters())

    # -- pass 1 and 2 -------------------------------------------------------------------

    def _common_lines(self, spool: Spool, records: Iterable[Record]) -> np.ndarray:
        """Sorted keys of the lines found in ``common_lines`` documents of a site or more."""
        keys = array("Q")  # 8 bytes a line, not a numpy array (and its header) a document
        for record in spool.extend(records):
            keys.extend(frame_keys(record, self.config))
        values, counts = np.unique(np.frombuffer(keys, dtype=np.uint64), return_counts=True)
        return values[counts >= self.config.common_lines]

    def _sign(self, record: Record, common: np.ndarray) -> None:
        normalized = normalize_for_shingles(record.text)
        site = url_host(record)
        core = _without_common_lines(record.text, site, common) if len(common) and site else ""
        unit = shingle_unit(normalized, self.config.shingle)
        grams = shingles(core or normalized, self.config.ngram, unit)
        richness = sum(1 for v in record.metadata.values() if v not in ("", None, [], {}, -1))
        self._table.add(
            record.id,
            {
                "signatures": self.signer.signature(grams),
                "sizes": len(grams),
                "exact": xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass")),
                "lengths": len(record.text),
                "richness": richness,
            },
        )

    # -- clustering ---------------------------------------------------------------------

    def _column(self, name: str) -> np.ndarray:
        """A column over all documents, archive first (no copy when there is no archive)."""
        ours = getattr(self._table, name)
        if not len(self.archive):
            return ours
        return np.concatenate([getattr(self.archive, name), ours])

    def _priority(self, index: int) -> tuple:
        """Sort key of the keep rule: archive entries first, then by the rule, then by id."""
        offset = len(self.archive)
        if index < offset:
            return (0, index)
        i, table = index - offset, self._table
        rule = {
            "first": 0,
            "longest": -int(table.lengths[i]),
            "metadata": -int(table.richness[i]),
        }[self.config.keep]
        tie = table.ids[i] if self.config.keep != "first" else ""
        return (1, rule, tie, i)

    def _decide(self) -> None:
        columns = (self._column("signatures"), self._column("sizes"), self._column("exact"))
        signatures, sizes, exact = columns
        union = UnionFind()
        active = self._union_exact_groups(union, exact) & (sizes > 0)
        pairs = candidate_pairs(signatures, active, self.bands, self.rows)
        for a, b in verified_edges(pairs, signatures, sizes, self.config.threshold):
            union.link(a, b)
        for component in union.components():
            self._decide_component(component, union.neighbours, columns)
        self._count()

    def _decide_component(
        self,
        component: list[int],
        neighbours: Mapping[int, list[int]],
        columns: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """The duplicates of one connected component of the similarity graph.

        Components are decided independently of each other: the Spark engine calls this for
        each one (ingest/dedupe/engine_api.py).
        """
        signatures, sizes, exact = columns

        def estimate(a: int, b: int) -> Similarity:
            if exact[a] == exact[b]:
                return Similarity(1.0, 1.0)
            return pair_similarity(signatures, sizes, a, b)

        def score(a: int, b: int) -> float:
            return estimate(a, b).score(self.config.threshold)

        def similarity_to(a: int, b: int) -> float:
            pair = estimate(a, b)
            return pair.score(self.config.threshold) or max(pair.jaccard, pair.overlap)

        offset = len(self.archive)
        decided = assign_centres(component, self._priority, score, similarity_to, neighbours)
        for member, (centre, value) in decided.items():
            if member >= offset:
                exact_copy = bool(exact[member] == exact[centre])
                self.duplicates[member - offset] = Decision(centre, value, exact_copy)

    def _union_exact_groups(self, union: UnionFind, exact: np.ndarray) -> np.ndarray:
        """Join exact copies; returns which documents stand for their group in the LSH."""
        representatives = np.ones(len(exact), dtype=bool)
        for group in _exact_groups(exact):
            best = min(group, key=self._priority)
            for member in group:
                if member != best:
                    union.link(best, member)
                    representatives[member] = False
        return representatives

    def _count(self) -> None:
        self.stats.records = len(self._table)
        for decision in self.duplicates.values():
            if decision.exact:
                self.stats.exact += 1
            else:
                self.stats.near += 1
            if decision.kept < len(self.archive):
                self.stats.against_index += 1

    # -- output -------------------------------------------------------------------------

    def record_id(self, index: int) -> str:
        offset = len(self.archive)
        return self.archive.ids[index] if index < offset else self._table.ids[index - offset]

    def _emit(self, spool: Spool) -> Iterator[Record]:
        offset = len(self.archive)
        for position, record in enumerate(spool):
            decision = self.duplicates.get(position)
            if decision is not None and not self.config.mark:
                continue
            kept = decision.kept if decision else offset + position
            record.metadata["dedupe"] = annotation(self.record_id(kept), decision)
            yield record

    def clusters(self) -> Iterator[dict[str, Any]]:
        """One entry per cluster that has duplicates: the kept record first, then copies."""
        members: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for position, decision in sorted(self.duplicates.items()):
            members[decision.kept].append(
                {
                    "id": self._table.ids[position],
                    "similarity": round(decision.similarity, 4),
                    "kind": "exact" if decision.exact else "near",
                }
            )
        for kept in sorted(members):
            kind = "indexed" if kept < len(self.archive) else "kept"
            head = {"id": self.record_id(kept), "similarity": 1.0, "kind": kind}
            yield {
                "cluster": head["id"],
                "size": 1 + len(members[kept]),
                "members": [head, *members[kept]],
            }

    def _kept_entries(self) -> IndexEntries:
        table = self._table
        kept = np.ones(len(table), dtype=bool)
        kept[list(self.duplicates)] = False
        return IndexEntries(
            ids=[*self.archive.ids, *(i for i, k in zip(table.ids, kept, strict=True) if k)],
            signatures=np.concatenate([self.archive.signatures, table.signatures[kept]]),
            sizes=np.concatenate([self.archive.sizes, table.sizes[kept]]),
            exact=np.concatenate([self.archive.exact, table.exact[kept]]),
        )


def frame_keys(record: Record, config: DedupeConfig) -> Iterable[int]:
    """Keys of a document's lines, counted across the input to find a site's frame."""
    site = url_host(record)
    if config.common_lines and site:
        return line_keys(record.text, site).values()
    return ()


def annotation(kept_id: str, decision: Decision | None) -> dict[str, Any]:
    """``metadata.dedupe`` of a record: its cluster, whose copy it is, and how alike."""
    return {
        "cluster": kept_id,
        "duplicate_of": kept_id if decision else "",
        "similarity": round(decision.similarity, 4) if decision else 1.0,
    }


def _without_common_lines(text: str, site: str, common: np.ndarray) -> str:
    """The document's normalized text without the lines its site repeats."""
    kept = []
    for normalized, key in line_keys(text, site).items():
        position = np.searchsorted(common, np.uint64(key))
        if position >= len(common) or common[position] != key:
            kept.append(normalized)
    return " ".join(kept)


def _exact_groups(exact: np.ndarray) -> Iterator[list[int]]:
    """Documents with the same exact hash, two or more, in index order within a group."""
    order = np.argsort(exact, kind="stable")
    for start, end in equal_runs(exact[order]):
        yield order[start:end].tolist()
