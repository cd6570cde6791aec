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
from dataclasses import dataclass, field

import numpy as np

from ..record import site_line_key
from .minhash import shingle_hashes
from .shingles import normalize_for_shingles, ordered_line_keys, sentence_pieces

# Keys are counted in a buffer, folded into sorted (key, count) arrays when it grows past
# this: memory follows the distinct sentences, 12 bytes each (24 while folding), not all
# sentences of the input.
FOLD_EVERY = 1 << 22
# Below this share of its text, what remains of a document is a headline or a dateline, not
# a story: the document is compared on its full text.
MIN_STORY_SHARE = 0.15
# A sentence most of whose shingles are those of common sentences is one of them, edited.
VARIANT = 0.5
# Sentences of records without metadata.url are counted across the whole input.
WHOLE_INPUT = ""


class KeyCounter:
    """In how many documents each 64-bit key appears, in numpy arrays."""

    def __init__(self) -> None:
        self._buffer = array("Q")
        self._keys = np.zeros(0, dtype=np.uint64)
        self._counts = np.zeros(0, dtype=np.uint32)

    def add(self, keys: set[int] | np.ndarray) -> None:
        """The keys of documents, each document's distinct (keys end to end)."""
        if isinstance(keys, np.ndarray):
            self._buffer.frombytes(keys.astype(np.uint64, copy=False).tobytes())
        else:
            self._buffer.extend(keys)
        if len(self._buffer) >= FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        """Merge the buffer's keys into the sorted arrays: the known ones counted in place,
        the new ones inserted in order (one copy of the arrays, where sorting them all
        again would hold five)."""
        if not self._buffer:
            return
        fresh, counts = np.unique(np.frombuffer(self._buffer, dtype=np.uint64), return_counts=True)
        self._buffer = array("Q")
        at = np.searchsorted(self._keys, fresh)
        known = at < len(self._keys)
        known[known] = self._keys[at[known]] == fresh[known]
        self._counts[at[known]] += counts[known].astype(np.uint32)
        new = ~known
        self._keys = np.insert(self._keys, at[new], fresh[new])
        self._counts = np.insert(self._counts, at[new], counts[new].astype(np.uint32))

    def at_least(self, floor: int) -> np.ndarray:
        """Sorted keys found in ``floor`` documents or more (none when ``floor`` is 0)."""
        self._fold()
        if not floor:
            return np.zeros(0, dtype=np.uint64)
        return self._keys[self._counts >= floor]


def sentence_keys(pieces: list[str], site: str) -> np.ndarray:
    """The key of each of a document's sentences, in order, within its site (or the whole
    input)."""
    group = site or WHOLE_INPUT
    return np.fromiter((site_line_key(group, p) for p in pieces), np.uint64, len(pieces))


@dataclass(slots=True)
class CommonParts:
    """What repeats: sorted keys of common lines and sentences, and sorted hashes of the
    shingles of the common sentences (to know their edited variants)."""

    lines: np.ndarray
    sentences: np.ndarray
    ngram: int = 5
    variants: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))

    @classmethod
    def none(cls) -> CommonParts:
        empty = np.zeros(0, dtype=np.uint64)
        return cls(empty, empty)

    def pieces(
        self, text: str, site: str, line_keys: np.ndarray | None = None
    ) -> tuple[list[str], np.ndarray]:
        """The document's sentences (without its site's common lines), and which are common.
        ``line_keys``: ``ordered_line_keys(text, site)``, when the caller has them."""
        kept = self._without_lines(text, site, line_keys) if site and len(self.lines) else text
        pieces = sentence_pieces(kept)
        if not len(self.sentences) or not pieces:
            return pieces, np.zeros(len(pieces), dtype=bool)
        return pieces, members(sentence_keys(pieces, site), self.sentences)

    def common_shingles(self, text: str, site: str, unit: str) -> np.ndarray:
        """Hashes of the shingles of the document's common sentences (of its full text, as
        they were counted)."""
        return self.shingles_of_common(sentence_pieces(text), site, unit)

    def shingles_of_common(
        self, pieces: list[str], site: str, unit: str, wanted: np.ndarray | None = None
    ) -> np.ndarray:
        """Hashes of the shingles of those ``pieces`` that are common sentences (only of
        those whose keys are in the sorted ``wanted``, when given)."""
        if not len(self.sentences) or not pieces:
            return np.zeros(0, dtype=np.uint64)
        keys = sentence_keys(pieces, site)
        common = members(keys, self.sentences if wanted is None else wanted)
        found = [
            shingle_hashes(p, self.ngram, unit)
            for p, c in zip(pieces, common.tolist(), strict=True)
            if c
        ]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)

    def compared(
        self,
        text: str,
        site: str,
        unit: str,
        whole: int,
        normalized: str | None = None,
        line_keys: np.ndarray | None = None,
    ) -> tuple[str, bool]:
        """The normalized text a document is compared by, and whether it is its story: its
        text without the frame, or else (little else remains, or nothing of the frame is in
        it) its full text.

        A sentence is the frame's when it is common, or when most of its shingles are those
        of common sentences: an edited copy of a story that is itself more common than the
        floor keeps only its edited sentences, which are no story of their own.
        ``whole``: the length of the normalized text; ``normalized``: that text, when the
        caller has it (made here only when needed); ``line_keys``: its lines' keys
        (``ordered_line_keys``), when the caller has them.
        """

        def full_text() -> tuple[str, bool]:
            return (normalize_for_shingles(text) if normalized is None else normalized), False

        if not len(self.lines) and not len(self.sentences):
            return full_text()
        pieces, common = self.pieces(text, site, line_keys)
        if len(self.variants) and common.any():
            edited = [
                not c and self._is_variant(p, unit)
                for p, c in zip(pieces, common.tolist(), strict=True)
            ]
            common = common | np.array(edited, dtype=bool)
        story = " ".join(p for p, drop in zip(pieces, common.tolist(), strict=True) if not drop)
        share = len(story) / whole if whole else 1.0
        if share == 1.0:
            # Nothing was left out: the sentences joined are the normalized text itself
            # (``shingles.pieces_and_whole``; a text that spells the sentence mark loses
            # words to it, so its story is shorter and does not come here).
            return story, False
        if share < MIN_STORY_SHARE:
            return full_text()
        return story, True

    def _is_variant(self, piece: str, unit: str) -> bool:
        hashes = shingle_hashes(piece, self.ngram, unit)
        return bool(np.count_nonzero(members(hashes, self.variants)) >= VARIANT * len(hashes))

    def _without_lines(self, text: str, site: str, keys: np.ndarray | None) -> str:
        lines = text.split("\n")
        if keys is None or len(keys) != len(lines):
            keys = ordered_line_keys(text, site)
        # Blank lines (key 0) stay: they end paragraphs, and so sentences.
        common = members(keys, self.lines) & (keys != 0)
        return "\n".join(
            line for line, drop in zip(lines, common.tolist(), strict=True) if not drop
        )


def members(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` are in the sorted array ``sorted_keys``."""
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys
