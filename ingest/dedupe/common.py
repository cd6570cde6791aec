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

from .keys import keys_of_strings
from .minhash import fold_shingles, shingle_hashes
from .shingles import PARAGRAPH_BREAK, normalize_for_shingles, ordered_line_keys, sentence_pieces

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
    return keys_of_strings(pieces, site or WHOLE_INPUT)


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

    def chunk_stories(self, chunk: ChunkLayout) -> list[tuple[np.ndarray, bool] | None]:
        """``compared``'s text of every document of a chunk shingled by word, as the hashes
        of its words and whether they are its story, from pass 1's layouts (no text split
        or normalized again), by array operations over the chunk; ``None`` for a document
        not laid out, or with a paragraph that keeps some lines and loses others (its
        sentences change: its text is split again).

        The same as ``compared``: a blank line always ends a sentence, so a text's
        sentences are those of its paragraphs one after the other, and a paragraph whose
        every line with words is common leaves only its sentences out when its lines go.
        """
        count = len(chunk.word_counts)
        laid_out = chunk.laid_out.astype(bool)
        decided = laid_out.copy()
        piece_document = np.repeat(np.arange(count), chunk.piece_counts)
        drop = np.zeros(len(chunk.piece_words), dtype=bool)
        if not len(self.lines) and not len(self.sentences):
            return _stories_of(chunk, decided, drop, np.zeros(count, dtype=bool))
        if len(self.lines) and len(chunk.line_keys):
            removed, partial = self._removed_pieces(chunk, piece_document)
            drop |= removed
            decided &= ~partial
        if len(self.sentences) and len(drop):
            sentence_document = np.repeat(np.arange(count), chunk.sentence_counts)
            mine = laid_out[sentence_document]
            if not np.array_equal(
                np.bincount(sentence_document[mine], minlength=count), chunk.piece_counts
            ):
                return [None] * count  # keys not one a sentence: not the text's layouts
            common = members(chunk.sentence_keys[mine], self.sentences) & ~drop
            drop |= common
            if len(self.variants):
                drop |= self._variants(chunk, piece_document, common, drop)
        kept = ~drop
        pieces = np.bincount(piece_document, weights=kept, minlength=count)
        length = np.bincount(piece_document, weights=chunk.piece_lengths * kept, minlength=count)
        length += np.maximum(pieces - 1, 0)
        whole = chunk.lengths.astype(np.float64)
        share = np.divide(length, whole, out=np.ones(count), where=whole > 0)
        use_story = (share != 1.0) & (share >= MIN_STORY_SHARE)
        return _stories_of(chunk, decided, drop, use_story)

    def _variants(
        self,
        chunk: ChunkLayout,
        piece_document: np.ndarray,
        common: np.ndarray,
        drop: np.ndarray,
    ) -> np.ndarray:
        """The sentences left in a document with common sentences that are edited copies
        of common ones (``_is_variant``, of their words)."""
        suspect = np.bincount(piece_document, weights=common, minlength=len(chunk.word_counts))
        tested = np.flatnonzero(~drop & (suspect > 0)[piece_document])
        variant = np.zeros(len(drop), dtype=bool)
        starts = np.cumsum(chunk.piece_words) - chunk.piece_words
        for piece in tested.tolist():
            start = int(starts[piece])
            words = chunk.words[start : start + int(chunk.piece_words[piece])]
            variant[piece] = self._words_are_variant(words)
        return variant

    def _removed_pieces(
        self, chunk: ChunkLayout, piece_document: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which sentences of the chunk are in a paragraph all of whose lines with words
        are common lines (they go with their lines), and which documents have a paragraph
        that keeps some lines and loses others, or lines that do not add up to their
        words (``_paragraphs``)."""
        removed = np.zeros(len(chunk.piece_words), dtype=bool)
        found = self._paragraphs(
            chunk.line_keys, chunk.line_words, chunk.line_counts, chunk.sited, chunk.word_counts
        )
        if found is None:
            return removed, np.zeros(len(chunk.line_counts), dtype=bool)
        line_document, with_words, partial = found.line_document, found.with_words, found.partial
        gone = (found.loses & ~found.keeps)[found.paragraph] & (with_words > 0)
        # Where each line with words starts among the chunk's words (a document's lines
        # cover its words in order), and which one holds each sentence's first word.
        before = np.cumsum(with_words) - with_words
        word_starts = np.cumsum(chunk.word_counts) - chunk.word_counts
        first_lines = np.cumsum(chunk.line_counts) - chunk.line_counts
        line_starts = word_starts[line_document] + before - before[first_lines[line_document]]
        # Only lines whose words are where they say (a document laid out, its lines adding
        # up to its words): the others' would break the order searchsorted needs.
        counted = chunk.laid_out.astype(bool) & ~partial
        holding = np.flatnonzero((with_words > 0) & counted[line_document])
        piece_starts = np.cumsum(chunk.piece_words) - chunk.piece_words
        at = np.searchsorted(line_starts[holding], piece_starts, side="right") - 1
        line = holding[np.maximum(at, 0)] if len(holding) else np.zeros(0, dtype=np.int64)
        if len(line):
            mine = (at >= 0) & (line_document[line] == piece_document)
            removed = gone[line] & mine
        return removed, partial

    def needs_text(
        self,
        line_keys: np.ndarray,
        line_words: np.ndarray,
        line_counts: np.ndarray,
        sited: np.ndarray,
        word_counts: np.ndarray,
    ) -> np.ndarray:
        """Which of a chunk of documents laid out in pass 1 ``chunk_stories`` cannot decide
        (their text must be at hand), from their lines' keys and numbers of words (end to
        end, ``line_counts`` each), whether each has a site, and its number of words: those
        with a paragraph that keeps some of its lines and loses others, or whose lines do
        not add up to their words."""
        found = self._paragraphs(line_keys, line_words, line_counts, sited, word_counts)
        return np.zeros(len(line_counts), dtype=bool) if found is None else found.partial

    def _paragraphs(
        self,
        line_keys: np.ndarray,
        line_words: np.ndarray,
        line_counts: np.ndarray,
        sited: np.ndarray,
        word_counts: np.ndarray,
    ) -> _Paragraphs | None:
        """A chunk's lines in paragraphs (a blank line, or a document's first line, starts
        one), and which paragraphs lose common lines and keep lines with words; ``None``
        when no line of the chunk is common."""
        count = len(line_counts)
        if not len(self.lines) or not len(line_keys):
            return None
        line_document = np.repeat(np.arange(count), line_counts)
        common = members(line_keys, self.lines) & (line_keys != 0) & sited[line_document]
        if not common.any():
            return None
        starts = np.zeros(len(line_keys), dtype=bool)
        firsts = np.cumsum(line_counts) - line_counts
        starts[firsts[line_counts > 0]] = True
        paragraph = np.cumsum(starts | (line_words == PARAGRAPH_BREAK))
        with_words = np.maximum(line_words, 0)
        loses = np.bincount(paragraph, weights=common) > 0
        keeps = np.bincount(paragraph, weights=~common & (with_words > 0)) > 0
        split = (loses & keeps)[paragraph]
        partial = np.bincount(line_document, weights=split, minlength=count) > 0
        framed = np.bincount(line_document, weights=common, minlength=count) > 0
        summed = np.bincount(line_document, weights=with_words, minlength=count)
        partial |= framed & (summed != word_counts)
        return _Paragraphs(line_document, paragraph, with_words, loses, keeps, partial)

    def _words_are_variant(self, words: np.ndarray) -> bool:
        """``_is_variant`` of a sentence given as the hashes of its words."""
        hashes = fold_shingles(words, self.ngram)
        return bool(np.count_nonzero(members(hashes, self.variants)) >= VARIANT * len(hashes))

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


@dataclass(frozen=True, slots=True)
class ChunkLayout:
    """Where the words of a chunk of documents sit, learnt in pass 1, end to end: enough to
    find their stories without splitting and normalizing their texts again. Each
    document's number of words, whether it is laid out (shingled by word, its sentences
    joined being its normalized text), has a site, and its normalized length; the words'
    hashes (``minhash.token_hashes``); each sentence's number of words and length
    (``sentence_pieces``, in order), each document's number of sentences; the sentences'
    keys (of every document, laid out or not) with each one's count; the lines' keys and
    numbers of words (``layout.TextLayout``) with each one's count."""

    words: np.ndarray
    word_counts: np.ndarray
    laid_out: np.ndarray
    sited: np.ndarray
    lengths: np.ndarray
    piece_words: np.ndarray
    piece_lengths: np.ndarray
    piece_counts: np.ndarray
    sentence_keys: np.ndarray
    sentence_counts: np.ndarray
    line_keys: np.ndarray
    line_words: np.ndarray
    line_counts: np.ndarray


@dataclass(frozen=True, slots=True)
class _Paragraphs:
    """A chunk's lines in paragraphs (``CommonParts._paragraphs``): each line's document,
    paragraph and number of words (0 for a blank line); whether each paragraph loses a
    common line and keeps a line with words; whether each document has a paragraph that
    does both, or lines that do not add up to its words."""

    line_document: np.ndarray
    paragraph: np.ndarray
    with_words: np.ndarray
    loses: np.ndarray
    keeps: np.ndarray
    partial: np.ndarray


def _stories_of(
    chunk: ChunkLayout, decided: np.ndarray, drop: np.ndarray, use_story: np.ndarray
) -> list[tuple[np.ndarray, bool] | None]:
    """Each decided document's compared words (its story's when ``use_story``, else all
    its words) and whether they are its story."""
    count = len(chunk.word_counts)
    piece_document = np.repeat(np.arange(count), chunk.piece_counts)
    keep = ~drop | ~use_story[piece_document]
    words = chunk.words[np.repeat(keep, chunk.piece_words)]
    counts = np.bincount(piece_document, weights=chunk.piece_words * keep, minlength=count)
    ends = np.cumsum(counts.astype(np.int64)).tolist()
    starts = [0, *ends[:-1]]
    framed = use_story.tolist()
    return [
        (words[starts[n] : ends[n]], framed[n]) if decide else None
        for n, decide in enumerate(decided.tolist())
    ]


def members(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` are in the sorted array ``sorted_keys``."""
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys
