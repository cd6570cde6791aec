"""What repeats across the corpus (a site's frame), to leave it out of the comparison.

A news site wraps its stories in furniture: a header, a newsletter blurb, a cookie notice,
copyright and editorial-policy sentences, often picked and ordered anew on each page and
shared with sister sites. Two different short stories in the same frame share most of their
text, and a copy of a story in another site's frame shares little. So dedupe compares
stories, not frames: lines a site repeats (``common_lines``, per site) and sentences found in
``common_sentences`` documents (per site when ``metadata.url`` tells the site, across the
whole input when it does not) are left out of the signature. The floor keeps a story that is
syndicated a few times from being taken for boilerplate.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from ..record import site_line_key
from .shingles import normalize_for_shingles, sentence_pieces

# Keys are counted in a buffer, folded into (key, count) arrays when it grows past this:
# memory follows the distinct sentences, 12 bytes each, not all sentences of the input.
FOLD_EVERY = 1 << 22
# Below this share of its text, what remains of a document is a headline or a dateline, not
# a story: the document is compared on its full text.
MIN_STORY_SHARE = 0.15
# Sentences of records without metadata.url are counted across the whole input.
WHOLE_INPUT = ""


class KeyCounter:
    """In how many documents each 64-bit key appears, in numpy arrays."""

    def __init__(self) -> None:
        self._buffer = array("Q")
        self._keys = np.zeros(0, dtype=np.uint64)
        self._counts = np.zeros(0, dtype=np.uint32)

    def add(self, keys: set[int]) -> None:
        """The distinct keys of one document."""
        self._buffer.extend(keys)
        if len(self._buffer) >= FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        if not self._buffer:
            return
        fresh, counts = np.unique(np.frombuffer(self._buffer, dtype=np.uint64), return_counts=True)
        self._buffer = array("Q")
        keys = np.concatenate([self._keys, fresh])
        order = np.argsort(keys, kind="stable")
        keys, weights = keys[order], np.concatenate([self._counts, counts])[order]
        starts = np.flatnonzero(np.r_[True, np.diff(keys) != 0])
        self._keys = keys[starts]
        self._counts = np.add.reduceat(weights, starts).astype(np.uint32)

    def at_least(self, floor: int) -> np.ndarray:
        """Sorted keys found in ``floor`` documents or more (none when ``floor`` is 0)."""
        self._fold()
        if not floor:
            return np.zeros(0, dtype=np.uint64)
        return self._keys[self._counts >= floor]


def sentence_keys(text: str, site: str) -> set[int]:
    """Keys of a document's distinct sentences, within its site (or the whole input)."""
    return {site_line_key(site or WHOLE_INPUT, piece) for piece in sentence_pieces(text)}


@dataclass(frozen=True, slots=True)
class CommonParts:
    """Sorted keys of the lines and sentences that repeat: a site's frame."""

    lines: np.ndarray
    sentences: np.ndarray

    @classmethod
    def none(cls) -> CommonParts:
        empty = np.zeros(0, dtype=np.uint64)
        return cls(empty, empty)

    def story(self, text: str, site: str) -> str:
        """The normalized text without its frame; ``""`` when little else remains."""
        if not len(self.lines) and not len(self.sentences):
            return ""
        kept = self._without_lines(text, site) if site and len(self.lines) else text
        pieces = sentence_pieces(kept)
        if len(self.sentences) and pieces:
            keys = np.fromiter(
                (site_line_key(site or WHOLE_INPUT, p) for p in pieces), np.uint64, len(pieces)
            )
            common = _members(keys, self.sentences)
            pieces = [p for p, drop in zip(pieces, common.tolist(), strict=True) if not drop]
        story = " ".join(pieces)
        whole = len(normalize_for_shingles(text))
        share = len(story) / whole if whole else 1.0
        if share == 1.0 or share < MIN_STORY_SHARE:
            return ""
        return story

    def _without_lines(self, text: str, site: str) -> str:
        lines = text.split("\n")
        normalized = [normalize_for_shingles(line) for line in lines]
        keys = np.fromiter(
            (site_line_key(site, n) if n else 0 for n in normalized), np.uint64, len(lines)
        )
        # Blank lines stay: they end paragraphs, and so sentences.
        common = _members(keys, self.lines) & np.array([bool(n) for n in normalized])
        return "\n".join(
            line for line, drop in zip(lines, common.tolist(), strict=True) if not drop
        )


def _members(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` are in the sorted array ``sorted_keys``."""
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys
