"""From signatures to clusters: LSH candidates, verification, union-find, chain guard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .minhash import band_column, jaccard

# Documents sharing a band key beyond this many are compared with their neighbours in the
# bucket only, not all pairs: a bucket that large is a template, and pairs would explode.
MAX_BUCKET_ALL_PAIRS = 64
BUCKET_WINDOW = 8
PAIR_CHUNK = 1 << 16
# Members of a cluster a newcomer is compared with, when it does not resemble the kept one.
MAJORITY_SAMPLE = 32
# Components up to this size compare each member with every cluster (quadratic, exact);
# larger ones only with the clusters of its verified pairs (linear).
EXHAUSTIVE_COMPONENT = 512


# A copy with text cut or added shares most of the smaller one's shingles; containment counts
# it only between comparable sizes, so that a brief, or a lead paragraph published alone, is
# not a copy of the long article it sits in or opens (see README).
CONTAINMENT = 0.5
COMPARABLE_SIZE = 0.5
# MinHash estimates within this of a cut are checked on the exact shingle sets: 128
# permutations estimate a Jaccard of 0.5 with a standard deviation of 0.044.
MARGIN = 0.15


@dataclass(frozen=True, slots=True)
class Similarity:
    """How two documents compare: Jaccard, containment of the smaller in the larger, and the
    ratio of their sizes; estimated from signatures, or exact from the shingle sets."""

    jaccard: float
    overlap: float
    ratio: float = 1.0
    exact: bool = False

    def score(self, threshold: float) -> float:
        """The similarity a duplicate is judged by (0.0 when not a copy)."""
        if self.jaccard >= threshold:
            return self.jaccard
        if passes(self.jaccard, self.overlap, self.ratio, threshold):
            return self.overlap
        return 0.0

    def closeness(self) -> float:
        """How alike, whether or not a copy: for the report."""
        return max(self.jaccard, self.overlap if self.ratio >= COMPARABLE_SIZE else 0.0)


def passes(jaccard: Any, overlap: Any, ratio: Any, threshold: float) -> Any:
    """Whether pairs are copies: for floats, or element-wise for numpy arrays."""
    return (jaccard >= threshold) | ((overlap >= CONTAINMENT) & (ratio >= COMPARABLE_SIZE))


def uncertain(jaccard: Any, overlap: Any, ratio: Any, threshold: float) -> Any:
    """Whether estimates are too near a cut to decide by: the exact sets decide."""
    near_jaccard = np.abs(jaccard - threshold) < MARGIN
    near_containment = (np.abs(overlap - CONTAINMENT) < MARGIN) & (ratio >= COMPARABLE_SIZE)
    return (near_jaccard | near_containment) & ~(jaccard >= threshold + MARGIN)


def similarities(
    signatures: np.ndarray, sizes: np.ndarray, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimated Jaccard, overlap and size ratio of pairs (i[k], j[k]), as arrays."""
    estimated = jaccard(signatures[i], signatures[j])
    a, b = sizes[i].astype(np.float64), sizes[j].astype(np.float64)
    common = estimated * (a + b) / (1.0 + estimated)
    smaller, larger = np.minimum(a, b), np.maximum(a, b)
    overlap = np.divide(common, smaller, out=np.zeros_like(common), where=smaller > 0)
    ratio = np.divide(smaller, larger, out=np.zeros_like(common), where=larger > 0)
    return estimated, np.minimum(overlap, 1.0), ratio


def exact_similarity(a: set[bytes], b: set[bytes]) -> tuple[Similarity, set[bytes]]:
    """The exact similarity of two shingle sets, and the shingles they share."""
    shared = a & b
    union = len(a) + len(b) - len(shared)
    smaller, larger = min(len(a), len(b)), max(len(a), len(b))
    similarity = Similarity(
        len(shared) / union if union else 1.0,
        len(shared) / smaller if smaller else 0.0,
        smaller / larger if larger else 1.0,
        exact=True,
    )
    return similarity, shared


class Judge:
    """Decides whether two documents are copies: by their MinHash estimate, and near a cut
    by their exact shingle sets (``exact(a, b)``, ``None`` when the texts are not at hand,
    as for ``--index`` entries). Exact results are remembered."""

    def __init__(
        self,
        signatures: np.ndarray,
        sizes: np.ndarray,
        hashes: np.ndarray,
        threshold: float,
        exact: Callable[[int, int], Similarity | None],
    ) -> None:
        self.signatures, self.sizes, self.hashes = signatures, sizes, hashes
        self.threshold = threshold
        self._exact = exact
        self._known: dict[tuple[int, int], Similarity] = {}

    def similarity(self, a: int, b: int) -> Similarity:
        if self.hashes[a] == self.hashes[b]:
            return Similarity(1.0, 1.0, 1.0, exact=True)
        key = (a, b) if a < b else (b, a)
        if key in self._known:
            return self._known[key]
        estimated = self._estimate(a, b)
        t = self.threshold
        if uncertain(estimated.jaccard, estimated.overlap, estimated.ratio, t):
            return self._checked(key, estimated)
        return estimated

    def score(self, a: int, b: int) -> float:
        return self.similarity(a, b).score(self.threshold)

    def _estimate(self, a: int, b: int) -> Similarity:
        signatures, sizes = self.signatures, self.sizes
        estimated = np.count_nonzero(signatures[a] == signatures[b]) / signatures.shape[1]
        small, large = sorted((int(sizes[a]), int(sizes[b])))
        common = estimated * (small + large) / (1.0 + estimated)
        overlap = min(common / small, 1.0) if small else 0.0
        return Similarity(estimated, overlap, small / large if large else 1.0)

    def _checked(self, key: tuple[int, int], estimated: Similarity) -> Similarity:
        exact = self._exact(*key)
        self._known[key] = exact or estimated
        return self._known[key]

    def verified_edges(
        self, pairs: np.ndarray, linked: Callable[[int, int], bool]
    ) -> Iterator[tuple[int, int]]:
        """Candidate pairs that are copies: LSH's false positives drop out. Estimates decide
        far from the cuts, in batches; the pairs near them are checked one by one, after all
        the others, and only when not ``linked`` already (the chain guard still compares
        each member with the record kept for it)."""
        t = self.threshold
        near_cut = []
        for start in range(0, len(pairs), PAIR_CHUNK):
            chunk = pairs[start : start + PAIR_CHUNK]
            estimated, overlap, ratio = similarities(
                self.signatures, self.sizes, chunk[:, 0], chunk[:, 1]
            )
            near = uncertain(estimated, overlap, ratio, t)
            yield from map(tuple, chunk[passes(estimated, overlap, ratio, t) & ~near].tolist())
            near_cut.append(chunk[near])
        for a, b in np.concatenate(near_cut or [np.zeros((0, 2), np.int64)]).tolist():
            if not linked(a, b) and self.score(a, b) > 0:
                yield a, b


def candidate_pairs(
    signatures: np.ndarray, active: np.ndarray, bands: int, rows: int
) -> np.ndarray:
    """Pairs (i < j) of active documents that share a band key, as an (n, 2) array."""
    found: list[np.ndarray] = []
    members = np.flatnonzero(active)
    for band in range(bands):
        # Keys of all documents, then the active ones: no copy of the signature matrix.
        column = band_column(signatures, band, rows)[members]
        order = np.argsort(column, kind="stable")
        ordered = members[order]
        for start, end in equal_runs(column[order]):
            found.append(_bucket_pairs(np.sort(ordered[start:end])))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    # One int64 per pair: a flat unique is many times faster than unique rows.
    total = np.int64(len(signatures))
    pairs = np.concatenate(found)
    codes = np.unique(pairs[:, 0] * total + pairs[:, 1])
    return np.stack([codes // total, codes % total], axis=1)


def equal_runs(ordered: np.ndarray) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of two or more equal values in a sorted array.

    >>> list(equal_runs(np.array([1, 2, 2, 3, 5, 5, 5])))
    [(1, 3), (4, 7)]
    """
    starts = np.flatnonzero(np.r_[True, np.diff(ordered) != 0])
    ends = np.r_[starts[1:], len(ordered)]
    repeated = ends - starts > 1  # most values stand alone: only runs can give pairs
    yield from zip(starts[repeated].tolist(), ends[repeated].tolist(), strict=True)


def _bucket_pairs(run: np.ndarray) -> np.ndarray:
    if len(run) <= MAX_BUCKET_ALL_PAIRS:
        i, j = np.triu_indices(len(run), k=1)
    else:
        offsets = np.arange(1, BUCKET_WINDOW + 1)
        i = np.repeat(np.arange(len(run)), len(offsets))
        j = i + np.tile(offsets, len(run))
        keep = j < len(run)
        i, j = i[keep], j[keep]
    return np.stack([run[i], run[j]], axis=1).astype(np.int64)


class UnionFind:
    """The similarity graph: its edges, and its components (path halving, union by size)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}
        self.neighbours: dict[int, list[int]] = defaultdict(list)

    def link(self, a: int, b: int) -> None:
        """An edge: ``a`` and ``b`` were found alike."""
        self.neighbours[a].append(b)
        self.neighbours[b].append(a)
        self.union(a, b)

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        self.size.setdefault(x, 1)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self.size[root_a] < self.size[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]

    def connected(self, a: int, b: int) -> bool:
        return self.find(a) == self.find(b)

    def components(self) -> list[list[int]]:
        groups: dict[int, list[int]] = defaultdict(list)
        for node in self.parent:
            groups[self.find(node)].append(node)
        return [sorted(group) for group in groups.values() if len(group) > 1]


def assign_centres(
    component: list[int],
    priority: Callable[[int], tuple],
    score: Callable[[int, int], float],
    similarity_to: Callable[[int, int], float],
    neighbours: Mapping[int, list[int]],
) -> dict[int, tuple[int, float]]:
    """Duplicates of a component: member -> (kept member, similarity to it).

    Members are taken best first. Each joins the cluster whose kept member it resembles
    most, or else a cluster most of whose members it resembles (the kept one may be a
    heavily edited copy); failing both, it is kept. A chain A~B~C therefore never makes C a
    copy of an A it does not resemble, which union-find alone would.

    In a component of more than ``EXHAUSTIVE_COMPONENT`` members, only the clusters holding
    one of the member's ``neighbours`` (its verified pairs) are looked at, so that the work
    stays linear; smaller components look at every cluster, which also finds the pairs that
    LSH missed.
    """
    exhaustive = len(component) <= EXHAUSTIVE_COMPONENT
    clusters: dict[int, list[int]] = {}
    cluster_of: dict[int, int] = {}
    duplicates: dict[int, tuple[int, float]] = {}
    for member in sorted(component, key=priority):
        if exhaustive:
            candidates = list(clusters)  # in the order made: ties go to the best kept record
        else:
            reachable = {cluster_of[n] for n in neighbours.get(member, ()) if n in cluster_of}
            candidates = sorted(reachable, key=priority)
        centre = _best_cluster(member, [(c, clusters[c]) for c in candidates], score)
        if centre is None:
            clusters[member] = [member]
            cluster_of[member] = member
        else:
            clusters[centre].append(member)
            cluster_of[member] = centre
            duplicates[member] = (centre, similarity_to(member, centre))
    return duplicates


def _best_cluster(
    member: int, candidates: list[tuple[int, list[int]]], score: Callable[[int, int], float]
) -> int | None:
    by_centre = [(score(member, centre), centre) for centre, _ in candidates]
    best_score, best_centre = max(by_centre, default=(0.0, -1), key=lambda pair: pair[0])
    if best_score > 0:
        return best_centre
    for centre, members in candidates:
        sample = members[:MAJORITY_SAMPLE]
        if sum(1 for other in sample if score(member, other) > 0) * 2 > len(sample):
            return centre
    return None
