"""``ingest dedupe``: exact and near-duplicate detection (MinHash LSH) across all sources.

Passes over a spool of the input: (1) count in how many documents each line appears, so
that site headers and footers do not make different stories look alike; (2) sign each
document: an exact hash of its normalized text, a MinHash signature of the shingles of its
other lines, LSH band keys; (3) cluster: exact groups, then LSH candidates verified by their
re-estimated similarity, union-find, and each member assigned to a kept centre it resembles
itself; (4) read the spool again and write the records in input order.
Memory holds signatures and a few numbers per document in numpy arrays, never texts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
    similarity,
    verified_edges,
)
from .index import IndexEntries, load_index, save_index
from .minhash import Signer, band_keys, optimal_bands
from .shingles import MODES, line_keys, normalize_for_shingles, shingle_unit, shingles

KEEP_RULES = ("first", "longest", "metadata")
# LSH is tuned below the threshold and towards recall: verification removes what it lets in.
LSH_THRESHOLD_FACTOR = 0.6
LSH_WEIGHTS = (0.2, 0.8)
GROWTH = 4096


@dataclass(frozen=True, slots=True)
class DedupeConfig:
    """Options of the dedupe stage.

    Attributes:
        threshold: similarity (Jaccard, or overlap for copies with text added or cut) at
            which two documents are copies; see the README for how 0.5 was chosen.
        num_perm: MinHash permutations (signature length).
        ngram: words (or characters, in unspaced scripts) per shingle.
        shingle: ``auto`` (characters for Chinese, Japanese, Thai...; words otherwise),
            ``word`` or ``char``.
        seed: seed of the MinHash permutations.
        keep: which copy is kept: ``first`` in input order, ``longest`` text, or the one with
            most ``metadata``; ties by id.
        common_lines: lines found in this many documents of one site or more (its headers
            and footers) are left out of the comparison; 0 compares every line. Sites are
            told apart by ``metadata.url``: records without one are compared on every line,
            since a folder or a stream may hold many copies of one story.
        mark: keep duplicates in the output, marked in ``metadata.dedupe``.
    """

    threshold: float = 0.5
    num_perm: int = 128
    ngram: int = 5
    shingle: str = "auto"
    seed: int = 1
    keep: str = "first"
    common_lines: int = 3
    mark: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if self.ngram < 1:
            raise ValueError("ngram must be at least 1")
        if self.shingle not in MODES:
            raise ValueError(f"shingle must be one of {', '.join(MODES)}")
        if self.keep not in KEEP_RULES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_RULES)}")
        if self.common_lines == 1 or self.common_lines < 0:
            raise ValueError("common_lines must be 0 (off) or at least 2")


@dataclass
class DedupeStats:
    records: int = 0
    exact: int = 0
    near: int = 0
    against_index: int = 0

    def summary(self) -> str:
        text = f"{self.exact} exact and {self.near} near duplicates removed"
        if self.against_index:
            text += f" ({self.against_index} of them already in the index)"
        return text


@dataclass
class Decision:
    """What became of one document."""

    kept: int  # global index of the record kept for its cluster (itself if kept)
    similarity: float
    exact: bool


@dataclass
class _Table:
    """Per-document numbers, in numpy arrays that grow: what dedupe remembers."""

    num_perm: int
    signatures: np.ndarray = field(init=False)
    sizes: np.ndarray = field(init=False)
    exact: np.ndarray = field(init=False)
    lengths: np.ndarray = field(init=False)
    richness: np.ndarray = field(init=False)
    ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.signatures = np.zeros((GROWTH, self.num_perm), dtype=np.uint32)
        self.sizes = np.zeros(GROWTH, dtype=np.int32)
        self.exact = np.zeros(GROWTH, dtype=np.uint64)
        self.lengths = np.zeros(GROWTH, dtype=np.int64)
        self.richness = np.zeros(GROWTH, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.ids)

    def add(
        self,
        record_id: str,
        signature: np.ndarray,
        size: int,
        exact: int,
        length: int,
        richness: int,
    ) -> None:
        n = len(self.ids)
        if n == len(self.sizes):
            for name in ("signatures", "sizes", "exact", "lengths", "richness"):
                array = getattr(self, name)
                setattr(self, name, np.resize(array, (2 * len(array), *array.shape[1:])))
        self.signatures[n], self.sizes[n], self.exact[n] = signature, size, exact
        self.lengths[n], self.richness[n] = length, richness
        self.ids.append(record_id)

    def trimmed(self) -> None:
        n = len(self.ids)
        for name in ("signatures", "sizes", "exact", "lengths", "richness"):
            setattr(self, name, getattr(self, name)[:n])


class Deduplicator:
    """Runs dedupe over records; afterwards holds the clusters and the numbers.

    .. code-block:: python

        deduplicator = Deduplicator(DedupeConfig(keep="longest"))
        for record in deduplicator.run(read_records(["corpus/"])):
            ...
        print(deduplicator.stats.summary())
    """

    def __init__(
        self, config: DedupeConfig = DedupeConfig(), index_path: str | None = None
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
        self.decisions: list[Decision] = []
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
            self._table.trimmed()
            self._decide()
            yield from self._emit(spool)
        if self.index_path:
            save_index(self.index_path, self._kept_entries(), self._index_parameters())

    # -- pass 1 and 2 -------------------------------------------------------------------

    def _common_lines(self, spool: Spool, records: Iterable[Record]) -> np.ndarray:
        """Sorted hashes of lines found in ``common_lines`` documents or more."""
        keys: list[np.ndarray] = []
        for record in spool.extend(records):
            site = url_host(record)
            if self.config.common_lines and site:
                lines = line_keys(record.text, site)
                keys.append(np.fromiter(lines.values(), dtype=np.uint64, count=len(lines)))
        if not keys:
            return np.zeros(0, dtype=np.uint64)
        values, counts = np.unique(np.concatenate(keys), return_counts=True)
        return values[counts >= self.config.common_lines]

    def _sign(self, record: Record, common: np.ndarray) -> None:
        normalized = normalize_for_shingles(record.text)
        site = url_host(record)
        core = (
            _without_common_lines(record.text, site, common) if len(common) and site else normalized
        )
        unit = shingle_unit(normalized, self.config.shingle)
        grams = shingles(core or normalized, self.config.ngram, unit)
        exact = xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass"))
        richness = sum(
            1 for value in record.metadata.values() if value not in ("", None, [], {}, -1)
        )
        self._table.add(
            record.id, self.signer.signature(grams), len(grams), exact, len(record.text), richness
        )

    # -- clustering ---------------------------------------------------------------------

    def _decide(self) -> None:
        archive, table = self.archive, self._table
        offset = len(archive)
        signatures = np.concatenate([archive.signatures, table.signatures])
        sizes = np.concatenate([archive.sizes, table.sizes])
        exact = np.concatenate([archive.exact, table.exact])
        total = len(sizes)
        keep_rule = self.config.keep

        def priority(index: int) -> tuple:
            if index < offset:
                return (0, index, "")
            i = index - offset
            rule = {
                "first": 0,
                "longest": -int(table.lengths[i]),
                "metadata": -int(table.richness[i]),
            }[keep_rule]
            tie = table.ids[i] if keep_rule != "first" else ""
            return (1, rule, tie, i)

        def estimate(a: int, b: int) -> Similarity:
            if exact[a] == exact[b]:
                return Similarity(1.0, 1.0)
            return similarity(signatures, sizes, np.array([a]), np.array([b]))[0]

        def score(a: int, b: int) -> float:
            return estimate(a, b).score(self.config.threshold)

        def similarity_to(a: int, b: int) -> float:
            pair = estimate(a, b)
            return pair.score(self.config.threshold) or max(pair.jaccard, pair.overlap)

        union = UnionFind()
        for group in _exact_groups(exact):
            for member in group[1:]:
                union.union(group[0], member)
        representatives = np.ones(total, dtype=bool)
        for group in _exact_groups(exact):
            best = min(group, key=priority)
            representatives[[m for m in group if m != best]] = False
        active = representatives & (sizes > 0)
        keys = (
            np.stack([band_keys(s, self.bands, self.rows) for s in signatures])
            if total
            else np.zeros((0, self.bands), dtype=np.uint64)
        )
        pairs = candidate_pairs(keys, active)
        for a, b in verified_edges(pairs, signatures, sizes, self.config.threshold):
            union.union(a, b)
        kept = {index: Decision(index, 1.0, False) for index in range(total)}
        for component in union.components():
            for member, (centre, value) in assign_centres(
                component, priority, score, similarity_to
            ).items():
                kept[member] = Decision(centre, value, bool(exact[member] == exact[centre]))
        self.decisions = [kept[offset + i] for i in range(len(table))]
        self._count(offset)

    def _count(self, offset: int) -> None:
        self.stats.records = len(self.decisions)
        for position, decision in enumerate(self.decisions):
            if decision.kept == offset + position:
                continue
            if decision.exact:
                self.stats.exact += 1
            else:
                self.stats.near += 1
            if decision.kept < offset:
                self.stats.against_index += 1

    # -- output -------------------------------------------------------------------------

    def record_id(self, index: int) -> str:
        offset = len(self.archive)
        return self.archive.ids[index] if index < offset else self._table.ids[index - offset]

    def _emit(self, spool: Spool) -> Iterator[Record]:
        offset = len(self.archive)
        for position, record in enumerate(spool):
            decision = self.decisions[position]
            is_kept = decision.kept == offset + position
            if not is_kept and not self.config.mark:
                continue
            record.metadata["dedupe"] = {
                "cluster": self.record_id(decision.kept),
                "duplicate_of": "" if is_kept else self.record_id(decision.kept),
                "similarity": round(decision.similarity, 4),
            }
            yield record

    def clusters(self) -> Iterator[dict[str, Any]]:
        """One entry per cluster that has duplicates: the kept record first, then copies."""
        offset = len(self.archive)
        members: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for position, decision in enumerate(self.decisions):
            if decision.kept != offset + position:
                kind = "exact" if decision.exact else "near"
                members[decision.kept].append(
                    {
                        "id": self._table.ids[position],
                        "similarity": round(decision.similarity, 4),
                        "kind": kind,
                    }
                )
        for kept in sorted(members):
            head = {
                "id": self.record_id(kept),
                "similarity": 1.0,
                "kind": "indexed" if kept < offset else "kept",
            }
            yield {
                "cluster": head["id"],
                "size": 1 + len(members[kept]),
                "members": [head, *members[kept]],
            }

    def _kept_entries(self) -> IndexEntries:
        offset = len(self.archive)
        kept = np.array([d.kept == offset + i for i, d in enumerate(self.decisions)], dtype=bool)
        table = self._table
        return IndexEntries(
            ids=[*self.archive.ids, *(i for i, k in zip(table.ids, kept, strict=True) if k)],
            signatures=np.concatenate([self.archive.signatures, table.signatures[kept]]),
            sizes=np.concatenate([self.archive.sizes, table.sizes[kept]]),
            exact=np.concatenate([self.archive.exact, table.exact[kept]]),
        )


def _without_common_lines(text: str, site: str, common: np.ndarray) -> str:
    """The document's normalized text without the lines its site repeats."""
    kept = []
    for normalized, key in line_keys(text, site).items():
        position = np.searchsorted(common, np.uint64(key))
        if position >= len(common) or common[position] != key:
            kept.append(normalized)
    return " ".join(kept)


def _exact_groups(exact: np.ndarray) -> Iterator[list[int]]:
    order = np.argsort(exact, kind="stable")
    boundaries = np.flatnonzero(np.diff(exact[order])) + 1
    for group in np.split(order, boundaries):
        if len(group) > 1:
            yield [int(i) for i in group]


def dedupe_records(
    records: Iterable[Record], config: DedupeConfig = DedupeConfig()
) -> Iterator[Record]:
    """The dedupe stage: ``records`` without their duplicates, in input order."""
    return Deduplicator(config).run(records)


def write_clusters(deduplicator: Deduplicator, path: str) -> None:
    """The clusters report as JSONL, written atomically."""
    from ..io import atomic_output

    with atomic_output(path) as stream:
        for cluster in deduplicator.clusters():
            stream.write(json.dumps(cluster, ensure_ascii=False).encode("utf-8") + b"\n")
