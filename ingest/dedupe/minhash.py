"""MinHash signatures of whole batches of documents in numpy, and LSH banding.

A shingle's 64-bit hash is made from the xxh3 hashes of its words (or characters), folded
with splitmix64's mixer: one C call a token, and the n-grams combined by array operations,
with no string built per shingle. Permutation k maps a hash h to the top 32 bits of
``a_k * h + b_k`` (mod 2**64, ``a_k`` odd): multiply-shift hashing, a multiply and an add
per (permutation, shingle) pair computed as one matrix over a window of shingles of many
documents, with the minimum of each document's columns taken by ``np.minimum.reduceat``.
The scheme is named in ``--index`` files (``SCHEME``): signatures of another scheme are
not comparable.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import xxhash

SCHEME = "xxh3-tokens-multiply-shift"
EMPTY_SIGNATURE_VALUE = np.iinfo(np.uint32).max
# Shingle columns of one permutation matrix: 128 x 8192 uint64 values, 8 MB at a time.
WINDOW = 8192


class Signer:
    """Signatures of shingle-hash sets with one set of permutations, drawn once from
    ``seed``."""

    def __init__(self, num_perm: int, seed: int) -> None:
        if num_perm < 2:
            raise ValueError("num_perm must be at least 2")
        self.num_perm = num_perm
        self.seed = seed
        self.scheme = SCHEME
        random = np.random.default_rng(seed)
        self._a = random.integers(0, 2**64, num_perm, dtype=np.uint64) | np.uint64(1)
        self._b = random.integers(0, 2**64, num_perm, dtype=np.uint64)
        self._window: np.ndarray | None = None

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The signature of one document's distinct shingle hashes."""
        return self.signatures([hashes])[0]

    def signatures(self, hash_sets: Sequence[np.ndarray]) -> np.ndarray:
        """One signature row per document (all ``EMPTY_SIGNATURE_VALUE`` for no shingles)."""
        block = np.full((len(hash_sets), self.num_perm), EMPTY_SIGNATURE_VALUE, dtype=np.uint32)
        filled = [i for i, hashes in enumerate(hash_sets) if len(hashes)]
        if not filled:
            return block
        hashes = np.concatenate([hash_sets[i] for i in filled]).astype(np.uint64, copy=False)
        starts = np.cumsum([0, *(len(hash_sets[i]) for i in filled)])
        block[filled] = self._minima(hashes, starts)
        return block

    def _minima(self, hashes: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Per document (``hashes[starts[i]:starts[i + 1]]``, none empty), the minimum of
        each permutation, a window of columns at a time to keep the matrix small."""
        minima = np.full((len(starts) - 1, self.num_perm), np.iinfo(np.uint64).max, np.uint64)
        a, b = self._a[:, None], self._b[:, None]
        if self._window is None:
            # One matrix for every window: a fresh 8 MB array each time is a fresh mapping,
            # and its page faults took half of the signing time.
            self._window = np.empty((self.num_perm, WINDOW), dtype=np.uint64)
        for low in range(0, len(hashes), WINDOW):
            high = min(low + WINDOW, len(hashes))
            first = int(np.searchsorted(starts, low, side="right")) - 1
            last = int(np.searchsorted(starts, high, side="left"))
            permuted = self._window[:, : high - low]
            with np.errstate(over="ignore"):
                np.multiply(a, hashes[None, low:high], out=permuted)
                permuted += b
            local = np.maximum(starts[first:last], low) - low
            reduced = np.minimum.reduceat(permuted, local, axis=1).T
            np.minimum(minima[first:last], reduced, out=minima[first:last])
        # The top half of a multiply-shift is its good half; min commutes with the shift.
        return (minima >> np.uint64(32)).astype(np.uint32)


def shingle_hashes(normalized: str, ngram: int, unit: str) -> np.ndarray:
    """Sorted distinct 64-bit hashes of the ``ngram``-grams of words or characters of a
    normalized text (see ``shingles.shingles``: the same n-grams, hashed, not spelled)."""
    return fold_shingles(token_hashes(normalized, unit), ngram)


def token_hashes(normalized: str, unit: str) -> np.ndarray:
    """The xxh3 hash of each word (or character, for ``char``) of a normalized text, in
    order: what ``fold_shingles`` makes the n-grams of."""
    if unit == "char":
        tokens = [c.encode("utf-8", "surrogatepass") for c in normalized if not c.isspace()]
    else:  # normalized text: words separated by single spaces
        tokens = normalized.encode("utf-8", "surrogatepass").split(b" ") if normalized else []
    return np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), np.uint64, len(tokens))


def fold_shingles(words: np.ndarray, ngram: int) -> np.ndarray:
    """Sorted distinct hashes of the ``ngram``-grams of a sequence of token hashes (one
    n-gram of all of them when there are fewer)."""
    if not len(words):
        return np.zeros(0, dtype=np.uint64)
    width = min(ngram, len(words))
    count = len(words) - width + 1
    # A polynomial in the (random-looking) token hashes, mod 2**64, then one mixing: the
    # tokens' order counts, and equal n-grams get equal hashes.
    with np.errstate(over="ignore"):
        folded = words[:count] + np.uint64(width) * _MIX_C
        for offset in range(1, width):
            folded *= _MIX_A
            folded += words[offset : offset + count]
    return distinct(_mix64(folded))


def fold_many(word_sets: Sequence[np.ndarray], ngram: int) -> list[np.ndarray]:
    """``fold_shingles`` of each sequence of token hashes, the n-grams of all of them made by
    one run of array operations (a document's own few hundred make a dozen numpy calls
    cost more than their arithmetic)."""
    lengths = [len(words) for words in word_sets]
    long = [n for n, length in enumerate(lengths) if length >= ngram]
    found = [np.zeros(0, dtype=np.uint64)] * len(word_sets)
    for n, length in enumerate(lengths):
        if 0 < length < ngram:
            found[n] = fold_shingles(word_sets[n], ngram)
    if not long:
        return found
    words = np.concatenate([word_sets[n] for n in long])
    count = len(words) - ngram + 1
    with np.errstate(over="ignore"):  # as fold_shingles, over the documents end to end
        folded = words[:count] + np.uint64(ngram) * _MIX_C
        for offset in range(1, ngram):
            folded *= _MIX_A
            folded += words[offset : offset + count]
    mixed = _mix64(folded)
    start = 0
    for n in long:  # a document's n-grams, without those that run into the next one
        found[n] = distinct(mixed[start : start + lengths[n] - ngram + 1])
        start += lengths[n]
    return found


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a 1-d array, without its overhead (a sort and a mask: a
    fifth of the time on a document's few hundred hashes)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


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
