"""MinHash signatures (datasketch) and LSH banding, kept in numpy arrays."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import xxhash
from datasketch import MinHash

# xxh32 is several times faster than datasketch's default SHA-1 and as good for MinHash.
HASHFUNC = xxhash.xxh32_intdigest
EMPTY_SIGNATURE_VALUE = np.iinfo(np.uint32).max


class Signer:
    """Signatures of shingle sets with one set of permutations, drawn once from ``seed``."""

    def __init__(self, num_perm: int, seed: int) -> None:
        if num_perm < 2:
            raise ValueError("num_perm must be at least 2")
        self.num_perm = num_perm
        self.seed = seed
        template = MinHash(num_perm=num_perm, seed=seed, hashfunc=HASHFUNC)
        self._permutations = template.permutations
        self.scheme = template.scheme

    def signature(self, shingles: Iterable[bytes]) -> np.ndarray:
        minhash = MinHash(
            num_perm=self.num_perm,
            seed=self.seed,
            hashfunc=HASHFUNC,
            permutations=self._permutations,
            scheme=self.scheme,
        )
        minhash.update_batch(shingles)
        return np.asarray(minhash.hashvalues, dtype=np.uint32)


def _collision_probability(similarity: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Chance that two documents of this Jaccard similarity share at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


@lru_cache(maxsize=64)
def optimal_bands(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm that minimize the weighted areas of false
    positives below ``threshold`` and false negatives above it (as datasketch's MinHashLSH)."""
    below = np.linspace(0.0, threshold, 201)
    above = np.linspace(threshold, 1.0, 201)
    best, best_error = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = np.trapezoid(_collision_probability(below, bands, rows), below)
            false_negative = np.trapezoid(1 - _collision_probability(above, bands, rows), above)
            error = fp_weight * false_positive + fn_weight * false_negative
            if error < best_error:
                best, best_error = (bands, rows), error
    return best


def band_column(signatures: np.ndarray, band: int, rows: int) -> np.ndarray:
    """The 64-bit key of one band for every signature: documents sharing it are candidates.

    Equal bands always get equal keys; two different bands rarely do, and when they do the
    pair is only a candidate, which verification drops. Vectorized: no key is stored.
    """
    block = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps around, as a hash wants
        key = np.full(len(signatures), np.uint64(band) * _MIX_A, dtype=np.uint64)
        for column in block.T:
            key = _mix64((key ^ column) * _MIX_B)
    return key


_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)
_MIX_C = np.uint64(0x94D049BB133111EB)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit reaches every output bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _MIX_B
        x = (x ^ (x >> np.uint64(27))) * _MIX_C
        return x ^ (x >> np.uint64(31))


def jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of signature rows (pairwise over the first axis)."""
    return np.mean(a == b, axis=-1)
