"""The keys a site's lines and sentences are counted by: one 64-bit key per normalized line
or sentence within its site, folded from the hashes of its words.

A key is made from the words' hashes (``minhash.token_hashes``), not from the spelled text,
so that pass 1 can key every line and sentence of a chunk of texts read as bytes by one run
of array operations (``layout``), and still agree with the key of the same line read as a
string, one at a time (``keys_of_strings``): equal words in the same order within the same
site give equal keys, whichever way the text was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import xxhash

from .minhash import _mix64, token_hashes

# A polynomial in the words' hashes with this odd base, mod 2**64: the segment [a, b) of a
# sequence is (prefix[b] - prefix[a]) / BASE**a, where prefix[i] sums hash[j] * BASE**j
# (an odd number has an inverse mod 2**64), so one cumulative sum keys every segment.
_BASE = 0xD6E8FEB86659FD93
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)
_LENGTH = np.uint64(0xA0761D6478BD642F)
# Powers of the base and of its inverse, grown as longer sequences come, up to this many
# (16 MB for both).
KEPT_POWERS = 1 << 20
_POWERS: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def segment_keys(words: np.ndarray, counts: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The key of each segment of ``words`` (hashes end to end, ``counts`` each), within its
    group (``group_hash``, one per segment); 0 for a segment without words (a blank line).
    """
    counts = counts.astype(np.int64, copy=False)
    powers, inverses = _powers(len(words) + 1)
    prefix = np.zeros(len(words) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(words * powers[: len(words)], out=prefix[1:])
        ends = np.cumsum(counts)
        starts = ends - counts
        body = (prefix[ends] - prefix[starts]) * inverses[starts]
        keys = _mix64(body ^ _mix64(groups + counts.astype(np.uint64) * _LENGTH))
    keys[keys == 0] = 1  # 0 is a blank line's
    keys[counts == 0] = 0
    return keys


def keys_of_strings(
    segments: Sequence[str],
    group: str,
    whole: str | None = None,
    words: np.ndarray | None = None,
) -> np.ndarray:
    """``segment_keys`` of normalized lines or sentences given as strings (words separated
    by single spaces, as ``shingles.normalize_for_shingles`` leaves them), within ``group``.
    ``whole`` and ``words``: see ``words_of_strings``."""
    hashes, counts = words_of_strings(segments, whole, words)
    groups = np.full(len(segments), group_hash(group), dtype=np.uint64)
    return segment_keys(hashes, counts, groups)


def words_of_strings(
    segments: Sequence[str], whole: str | None = None, words: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of the words of normalized strings, end to end, and each one's number of
    words: what ``segment_keys`` keys them by. ``whole`` and ``words``: a normalized text
    and its words' hashes, used when the segments are that text's words in order (they
    are not hashed again)."""
    counts = np.fromiter(
        (s.count(" ") + 1 if s else 0 for s in segments), dtype=np.int64, count=len(segments)
    )
    joined = " ".join(s for s in segments if s)
    if words is None or len(words) != int(counts.sum()) or joined != whole:
        words = token_hashes(joined, "word")
    return words, counts


@lru_cache(maxsize=1 << 16)
def group_hash(group: str) -> int:
    """The 64-bit hash of a site (or of ``""``, the whole input) that a key is made within."""
    return xxhash.xxh3_64_intdigest(group.encode("utf-8", "surrogatepass"))


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i for i below ``size`` (at least), mod 2**64; kept for the next
    call up to ``KEPT_POWERS`` (a chunk's words; one huge text's are made for it alone)."""
    if len(_POWERS[0]) >= size:
        return _POWERS[0], _POWERS[1]
    grown = max(size, min(2 * len(_POWERS[0]), KEPT_POWERS))
    made = []
    for base in (_BASE, _BASE_INVERSE):
        values = np.full(grown, base, dtype=np.uint64)
        values[0] = 1
        with np.errstate(over="ignore"):
            made.append(np.multiply.accumulate(values))
    if grown <= KEPT_POWERS:
        _POWERS[:] = made
    return made[0], made[1]
