"""Pass 1's reading of a chunk of texts: each one's normalized words, exact hash and
length, and where its lines and sentences fall among its words, with their keys, as arrays
over the chunk end to end.

Texts in ASCII, and in Latin, Greek or Cyrillic script with the typographer's punctuation
(most news in those scripts), are read as the bytes of the whole chunk by one run of array
operations (``_read_bytes``), each text outside ASCII as its skeleton (each character as
the ASCII one that reads as it does, ``_skeleton_tables``) with the words of its
normalized text: no string is made per line or sentence, and each text is normalized once.
Others are read one by one by the string functions of ``shingles`` (``_read_strings``).
Both read the same: the words of ``normalize_for_shingles``, the lines of
``text.split("\\n")`` with their numbers of words, and the sentences of
``sentence_pieces``; the property tests hold the byte reading to the string one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import xxhash

from .keys import group_hash, segment_keys, words_of_strings
from .minhash import token_hashes
from .shingles import (
    _ASCII_FOLD,
    PARAGRAPH_BREAK,
    PIECE_MARK,
    normalize_for_shingles,
    normalize_lines,
    pieces_and_whole,
    shingle_unit,
)

NO_KEYS = np.zeros(0, dtype=np.uint64)
NO_COUNTS = np.zeros(0, dtype=np.int64)


def exact_hash(normalized: str) -> int:
    """The hash exact copies share: of the normalized text."""
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True, slots=True)
class Reading:
    """What to read of a chunk's texts: lines (of texts with a site) and sentences for the
    frame, the shingle mode (``auto``, ``word``, ``char``), and whether the layouts of texts
    shingled by word are kept (their words and sentences)."""

    lines: bool
    sentences: bool
    mode: str
    layouts: bool


@dataclass(frozen=True, slots=True)
class TextLayout:
    """A chunk of texts read: per text, the exact hash and length of its normalized text and
    its shingle unit; whether it is laid out (its words' hashes and sentences kept, with
    their counts; 0 for a text not laid out); its lines' keys and numbers of words
    (``PARAGRAPH_BREAK`` for a blank line; only of texts with a site, when lines are read);
    its sentences' keys (when sentences are read)."""

    exact: list[int]
    lengths: list[int]
    units: list[str]
    laid_out: np.ndarray
    words: np.ndarray
    word_counts: np.ndarray
    piece_words: np.ndarray
    piece_lengths: np.ndarray
    piece_counts: np.ndarray
    line_keys: np.ndarray
    line_words: np.ndarray
    line_counts: np.ndarray
    sentence_keys: np.ndarray
    sentence_counts: np.ndarray


def read_texts(texts: Sequence[str], sites: Sequence[str], reading: Reading) -> TextLayout:
    """``TextLayout`` of a chunk of texts (with their sites: ``""`` for none)."""
    by_bytes = _readable_as_bytes(texts)
    parts: list[TextLayout] = []
    start = 0
    while start < len(texts):
        end, size = start + 1, len(texts[start])
        while end < len(texts) and by_bytes[end] == by_bytes[start]:
            size += len(texts[end])
            if by_bytes[start] and size > BYTE_RUN:
                break
            end += 1
        chunk, chunk_sites = list(texts[start:end]), list(sites[start:end])
        if by_bytes[start]:
            parts.extend(_read_byte_run(chunk, chunk_sites, reading))
        else:
            parts.append(_read_strings(chunk, chunk_sites, reading))
        start = end
    return _joined(parts) if len(parts) != 1 else parts[0]


# At most this many characters are read as bytes at once, and a longer text is read as a
# string: the byte reading holds some 40 bytes a character while it reads (the string
# reading about 12), so its memory stays under 100 MB whatever the texts.
BYTE_RUN = 1 << 21


def _readable_as_bytes(texts: Sequence[str]) -> list[bool]:
    """Which texts the byte reading reads: those in ASCII, and those whose every other
    character is one whose reading it knows (``_skeleton_tables``); none longer than
    ``BYTE_RUN``."""
    readable = [text.isascii() and len(text) <= BYTE_RUN for text in texts]
    others = [n for n, text in enumerate(texts) if len(text) <= BYTE_RUN and not text.isascii()]
    first = 0
    while first < len(others):  # a group of at most BYTE_RUN characters at a time
        last, size = first + 1, len(texts[others[first]])
        while last < len(others) and size + len(texts[others[last]]) <= BYTE_RUN:
            size += len(texts[others[last]])
            last += 1
        group = others[first:last]
        points = _code_points("".join(texts[n] for n in group))
        ends = np.cumsum([len(texts[n]) for n in group])
        unknown = np.flatnonzero(~_skeleton_tables()[1][points])
        found = np.bincount(np.searchsorted(ends, unknown, side="right"), minlength=len(group))
        for n, count in zip(group, found.tolist(), strict=True):
            readable[n] = not count
        first = last
    return readable


def _read_byte_run(texts: list[str], sites: list[str], reading: Reading) -> list[TextLayout]:
    """Texts read as bytes, but for any that spells ``PIECE_MARK``: the string reading
    loses its words to the mark, and so does pass 2's text path, so it is read as a string.
    """
    found = _as_bytes(texts)
    if not found.spelled:
        try:
            return [_read_bytes(texts, sites, found, reading)]
        except SkeletonMismatch:
            pass
    read: list[TextLayout] = []
    for text, site in zip(texts, sites, strict=True):
        alone = _as_bytes([text])
        try:
            if not alone.spelled:
                read.append(_read_bytes([text], [site], alone, reading))
                continue
        except SkeletonMismatch:
            pass
        read.append(_read_strings([text], [site], reading))
    return read


class SkeletonMismatch(Exception):
    """A text's skeleton has not as many words as its normalized text: it cannot happen for
    the characters ``_skeleton_tables`` knows (the tests hold it to that), and should it,
    the text is read as a string."""


@dataclass(frozen=True, slots=True)
class _Bytes:
    """Texts joined by line breaks, one entry a character: each as the ASCII character it
    reads as (``raw``, its skeleton), and whether it is part of a word once normalized; the
    normalized words, in UTF-8; the normalized texts of those (by place) whose words the
    skeleton only holds places for; whether any text spells ``PIECE_MARK``; and whether
    all are in ASCII."""

    raw: np.ndarray
    in_word: np.ndarray
    tokens: list[bytes]
    normalized: dict[int, str]
    spelled: bool
    ascii: bool


def _as_bytes(texts: list[str]) -> _Bytes:
    """``_Bytes`` of texts ``_readable_as_bytes`` found readable."""
    joined = "\n".join(texts)
    if joined.isascii():
        raw = joined.encode("ascii")
        folded = raw.translate(_FOLD_BYTES)
        in_word = np.frombuffer(folded, dtype=np.uint8) != 32
        spelled = _MARK_BYTES in folded
        words = folded.split()
        return _Bytes(np.frombuffer(raw, np.uint8), in_word, words, {}, spelled, ascii=True)
    skeleton, _, fold, several = _skeleton_tables()
    points = _code_points(joined)
    folded_points = fold[points]
    folded = folded_points.tobytes().decode("utf-32-le")
    # A character that folds to more than one (``ß``, ``ǅ``) has a place in its word: the
    # words of its text are those of its normalized text.
    ends = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1)
    placed = np.unique(np.searchsorted(ends, np.flatnonzero(several[points]), side="right"))
    normalized = {n: normalize_for_shingles(texts[n]) for n in placed.tolist()}
    return _Bytes(
        skeleton[points],
        folded_points != 32,
        folded.encode("utf-8").split(),
        normalized,
        PIECE_MARK in folded or any(PIECE_MARK in text for text in normalized.values()),
        ascii=False,
    )


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


# The blocks whose characters the byte reading may know: Latin (with Vietnamese), Greek,
# Cyrillic, general punctuation (dashes, curly quotes, the ellipsis, spaces), currency and
# letterlike symbols. Most news in these scripts is written in nothing else.
_KNOWN_BLOCKS = [
    (0x0080, 0x024F),
    (0x0370, 0x03FF),
    (0x0400, 0x052F),
    (0x1E00, 0x1FFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
]
_ALL_WORD = re.compile(r"[^\W_]+")
_ANY_WORD = re.compile(r"[^\W_]")


@lru_cache(maxsize=1)
def _skeleton_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every code point: the ASCII character it reads as in a skeleton, whether it is
    known, what it folds to (``normalize_for_shingles``'s NFKC and case folding, as one
    character; a space for what is no word's), and whether it folds to several.

    A known character normalizes on its own, whatever is beside it (no combining mark
    starts its decomposition, and in these blocks only combining marks compose with what
    comes before them), to word characters only (read as ``a``) or to none (read as a
    space when it is whitespace, as ``.`` for the ellipsis, an end mark, as ``"`` for the
    closing quotes ``”’``, else as ``#``): so the words of its text are where the
    skeleton's words are, and its lines and sentences end where the skeleton's do. Not
    known: a character that normalizes to a word and more (``½`` is ``1⁄2``, ``İ`` is
    ``i`` and a dot above), combining marks, unassigned code points."""
    skeleton = np.zeros(0x110000, dtype=np.uint8)
    known = np.zeros(0x110000, dtype=bool)
    fold = np.full(0x110000, 32, dtype="<u4")
    several = np.zeros(0x110000, dtype=bool)
    skeleton[:128] = np.arange(128, dtype=np.uint8)
    known[:128] = True
    fold[:128] = _FOLD[:128]
    for low, high in _KNOWN_BLOCKS:
        for code in range(low, high + 1):
            char = chr(code)
            read_as = _read_as(char)
            if read_as is None:
                continue
            skeleton[code], known[code] = ord(read_as), True
            if read_as == "a":
                folded = unicodedata.normalize("NFKC", char).casefold()
                fold[code] = ord(folded) if len(folded) == 1 else ord("a")
                several[code] = len(folded) > 1
    return skeleton, known, fold, several


def _read_as(char: str) -> str | None:
    category = unicodedata.category(char)
    if category[0] == "M" or category in ("Cn", "Cs", "Co"):
        return None
    if unicodedata.combining(unicodedata.normalize("NFKD", char)[0]):
        return None
    folded = unicodedata.normalize("NFKC", char).casefold()
    if _ALL_WORD.fullmatch(folded):
        return "a"
    if _ANY_WORD.search(folded):
        return None
    if char.isspace():
        return " "
    if char == "…":
        return "."
    return '"' if char in "”’" else "#"


# The byte reading's tables. ``_ASCII_FOLD`` maps each ASCII character to one character:
# a letter or digit (lower-cased) or a space.
_FOLD = np.array([ord(_ASCII_FOLD[code]) for code in range(128)] + [32] * 128, dtype=np.uint8)
_FOLD_BYTES = bytes(_FOLD.tobytes())
_MARK_BYTES = PIECE_MARK.encode("ascii")
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[ord(c) for c in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "]] = True  # str.isspace(), regex \s
# Neither part of a word nor a space: punctuation, symbols, control characters. A line of
# none of these nor of words is blank (whitespace only).
_MARK = ~_SPACE & (_FOLD == 32)
# ``shingles.SENTENCE_BREAK`` in ASCII: an end mark, closing quotes or brackets, whitespace.
_END = np.zeros(256, dtype=bool)
_END[[ord(c) for c in ".!?"]] = True
_CLOSER = np.zeros(256, dtype=bool)
_CLOSER[[ord(c) for c in "\"')]"]] = True
_NEWLINE = 10


def _read_bytes(texts: list[str], sites: list[str], found: _Bytes, reading: Reading) -> TextLayout:
    """``TextLayout`` of texts from ``found`` (``_as_bytes``): their skeletons joined by line
    breaks (each text's lines are its own: the break between two texts ends a line of
    each), and their normalized words."""
    count = len(texts)
    raw, tokens, normalized = found.raw, found.tokens, found.normalized
    # Where each word starts and ends: the edges of the runs of word characters (between
    # two characters that differ, with none on either side: a bool array, many times
    # faster than np.diff's integers).
    padded = np.zeros(len(found.in_word) + 2, dtype=bool)
    padded[1:-1] = found.in_word
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    word_starts, word_ends = edges[0::2], edges[1::2]
    word_lengths = word_ends - word_starts
    text_ends = np.cumsum(np.fromiter(map(len, texts), np.int64, count) + 1) - 1
    last_words = np.searchsorted(word_starts, text_ends)
    word_counts = np.diff(last_words, prepend=0)
    if len(tokens) != len(word_starts):
        raise SkeletonMismatch(-1)
    for n, text in normalized.items():
        end, size = int(last_words[n]), int(word_counts[n])
        own = text.split(" ") if text else []
        if len(own) != size:
            raise SkeletonMismatch(n)
        tokens[end - size : end] = [w.encode("utf-8", "surrogatepass") for w in own]
        word_lengths[end - size : end] = [len(w) for w in own]
    words = np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), np.uint64, len(tokens))
    # In ASCII a word's length is its length in bytes.
    sizes = word_lengths if found.ascii else None
    exact = _exact_hashes(tokens, last_words - word_counts, last_words, sizes)
    # Each text's normalized length (in characters, as the string reading counts them).
    summed = np.concatenate(([0], np.cumsum(word_lengths)))
    lengths = (summed[last_words] - summed[last_words - word_counts] + word_counts - 1).clip(0)
    # The known characters are of no unspaced script: the unit is the mode's, or words.
    unit = "word" if reading.mode == "auto" else reading.mode
    site_groups = np.fromiter(map(group_hash, sites), np.uint64, count)
    marks = np.flatnonzero(_MARK[raw]) if reading.lines or reading.sentences else None
    lines = _byte_lines(raw, word_starts, text_ends, marks) if marks is not None else None
    if reading.sentences or reading.lines:
        assert marks is not None and lines is not None
        firsts = _sentence_firsts(raw, word_starts, marks, lines, last_words - word_counts)
    else:  # no frame: a text is one piece
        firsts = (last_words - word_counts)[word_counts > 0]
    piece_words = np.diff(np.append(firsts, len(words)))
    if len(firsts):
        piece_lengths = np.add.reduceat(word_lengths, firsts) + piece_words - 1
    else:
        piece_lengths = np.zeros(0, dtype=np.int64)
    piece_counts = np.diff(np.searchsorted(firsts, last_words), prepend=0)
    if reading.sentences:  # (a text without a site: its group is the whole input's, "")
        sentence_keys = segment_keys(words, piece_words, np.repeat(site_groups, piece_counts))
        sentence_counts = piece_counts
    else:
        sentence_keys, sentence_counts = NO_KEYS, np.zeros(count, dtype=np.int64)
    if reading.lines and lines is not None:
        line_words, line_counts = lines
        with_words = np.maximum(line_words, 0)
        line_keys = segment_keys(words, with_words, np.repeat(site_groups, line_counts))
        sited = np.array([bool(site) for site in sites], dtype=bool)
        keep = np.repeat(sited, line_counts)
        line_keys, line_words, line_counts = line_keys[keep], line_words[keep], line_counts * sited
    else:
        line_keys, line_words = NO_KEYS, NO_COUNTS
        line_counts = np.zeros(count, dtype=np.int64)
    laid_out = np.full(count, reading.layouts and unit == "word", dtype=bool)
    return _laid_out_only(
        TextLayout(
            exact=exact,
            lengths=lengths.tolist(),
            units=[unit] * count,
            laid_out=laid_out,
            words=words,
            word_counts=word_counts,
            piece_words=piece_words,
            piece_lengths=piece_lengths,
            piece_counts=piece_counts,
            line_keys=line_keys,
            line_words=line_words,
            line_counts=line_counts,
            sentence_keys=sentence_keys,
            sentence_counts=sentence_counts,
        )
    )


def _exact_hashes(
    tokens: list[bytes], firsts: np.ndarray, ends: np.ndarray, sizes: np.ndarray | None
) -> list[int]:
    """Each text's exact hash: of its words (``tokens[firsts[n]:ends[n]]``, of ``sizes``
    bytes each when known) joined by spaces, its normalized text, hashed in place in one
    join of all the words (a join a text cost more than its hash)."""
    joined = memoryview(b" ".join(tokens))
    if sizes is None:
        sizes = np.fromiter(map(len, tokens), np.int64, len(tokens))
    starts = np.concatenate(([0], np.cumsum(sizes + 1))).tolist()
    hashed = xxhash.xxh3_64_intdigest
    return [
        hashed(joined[starts[first] : starts[end] - 1]) if end > first else _EMPTY
        for first, end in zip(firsts.tolist(), ends.tolist(), strict=True)
    ]


_EMPTY = xxhash.xxh3_64_intdigest(b"")


def _byte_lines(
    raw: np.ndarray, word_starts: np.ndarray, text_ends: np.ndarray, marks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each line's number of words (``PARAGRAPH_BREAK`` for a blank one) and each text's
    number of lines."""
    breaks = np.flatnonzero(raw == _NEWLINE)
    line_words = np.diff(np.searchsorted(word_starts, np.append(breaks, len(raw))), prepend=0)
    marked = np.zeros(len(breaks) + 1, dtype=bool)
    marked[np.searchsorted(breaks, marks)] = True
    blank = (line_words == 0) & ~marked
    line_words[blank] = PARAGRAPH_BREAK
    line_counts = np.diff(np.searchsorted(breaks, text_ends) + 1, prepend=0)
    return line_words, line_counts


def _sentence_firsts(
    raw: np.ndarray,
    word_starts: np.ndarray,
    marks: np.ndarray,
    lines: tuple[np.ndarray, np.ndarray],
    text_firsts: np.ndarray,
) -> np.ndarray:
    """The index of the first word of every sentence, in order: a sentence ends where an
    end mark (and closing quotes or brackets) is followed by whitespace, at a blank line,
    and at the end of its text."""
    starts_sentence = np.zeros(len(word_starts) + 1, dtype=bool)
    ends = marks[_END[raw[marks]]]
    after = ends + 1
    while True:  # past the closing quotes and brackets (a few at most)
        inside = after < len(raw)
        after, ends = after[inside], ends[inside]
        closing = _CLOSER[raw[after]]
        if not closing.any():
            break
        after = after + closing
    starts_sentence[np.searchsorted(word_starts, ends[_SPACE[raw[after]]])] = True
    line_words, _ = lines
    breaks = np.flatnonzero(raw == _NEWLINE)
    line_starts = np.concatenate(([0], breaks + 1))
    starts_sentence[np.searchsorted(word_starts, line_starts[line_words == PARAGRAPH_BREAK])] = True
    starts_sentence[text_firsts] = True
    return np.flatnonzero(starts_sentence[: len(word_starts)])


def _read_strings(texts: list[str], sites: list[str], reading: Reading) -> TextLayout:
    """``TextLayout`` of texts read one by one as strings (their lines' and sentences' keys
    made for all of them at once)."""
    exact, lengths, units, laid_out = [], [], [], []
    words: list[np.ndarray] = [NO_KEYS]
    word_counts: list[int] = []
    piece_words: list[int] = []
    piece_lengths: list[int] = []
    piece_counts: list[int] = []
    line_words: list[int] = []
    line_counts: list[int] = []
    lines = _Segments()
    sentences = _Segments()
    for text, site in zip(texts, sites, strict=True):
        if reading.lines or reading.sentences:
            pieces, normalized = pieces_and_whole(text)
        else:  # no frame to find: the sentences are never looked at, one piece will do
            normalized = normalize_for_shingles(text)
            pieces = [normalized] if normalized else []
        unit = shingle_unit(normalized, reading.mode)
        exact.append(exact_hash(normalized))
        lengths.append(len(normalized))
        units.append(unit)
        # The layout, for a text shingled by word whose sentences joined are its normalized
        # text (not so when it spells the sentence mark: pieces_and_whole).
        fits = sum(map(len, pieces)) + max(len(pieces) - 1, 0) == len(normalized)
        layout = reading.layouts and unit == "word" and fits
        laid_out.append(layout)
        sited = reading.lines and bool(site)
        hashes = token_hashes(normalized, "word") if layout or sited or reading.sentences else None
        if reading.sentences:
            sentences.add(pieces, site, normalized, hashes)
        if sited:
            raw = text.split("\n")
            normalized_lines = normalize_lines(raw)
            lines.add(normalized_lines, site, normalized, hashes)
            line_words += [
                (n.count(" ") + 1 if n else 0) if line and not line.isspace() else PARAGRAPH_BREAK
                for line, n in zip(raw, normalized_lines, strict=True)
            ]
            line_counts.append(len(raw))
        else:
            line_counts.append(0)
        if layout:
            assert hashes is not None
            words.append(hashes)
            word_counts.append(len(hashes))
            piece_words += [piece.count(" ") + 1 for piece in pieces]
            piece_lengths += map(len, pieces)
            piece_counts.append(len(pieces))
        else:
            word_counts.append(0)
            piece_counts.append(0)
    return TextLayout(
        exact=exact,
        lengths=lengths,
        units=units,
        laid_out=np.array(laid_out, dtype=bool),
        words=np.concatenate(words),
        word_counts=np.array(word_counts, dtype=np.int64),
        piece_words=np.array(piece_words, dtype=np.int64),
        piece_lengths=np.array(piece_lengths, dtype=np.int64),
        piece_counts=np.array(piece_counts, dtype=np.int64),
        line_keys=lines.keys(),
        line_words=np.array(line_words, dtype=np.int64),
        line_counts=np.array(line_counts, dtype=np.int64),
        sentence_keys=sentences.keys(),
        sentence_counts=np.array(
            sentences.counts if reading.sentences else [0] * len(texts), dtype=np.int64
        ),
    )


class _Segments:
    """The lines or sentences of texts read as strings, keyed all at once (``keys``): a
    document's own few dozen make a dozen numpy calls cost more than their arithmetic."""

    def __init__(self) -> None:
        self._words: list[np.ndarray] = [NO_KEYS]
        self._counts: list[np.ndarray] = [NO_COUNTS]
        self._groups: list[int] = []
        self.counts: list[int] = []  # each text's number of segments

    def add(self, segments: list[str], group: str, whole: str, words: np.ndarray | None) -> None:
        hashes, counts = words_of_strings(segments, whole, words)
        self._words.append(hashes)
        self._counts.append(counts)
        self._groups += [group_hash(group)] * len(segments)
        self.counts.append(len(segments))

    def keys(self) -> np.ndarray:
        return segment_keys(
            np.concatenate(self._words),
            np.concatenate(self._counts),
            np.array(self._groups, dtype=np.uint64),
        )


def _laid_out_only(found: TextLayout) -> TextLayout:
    """``found`` with the words and sentences of texts not laid out left out (and their
    counts 0), as ``_read_strings`` keeps them."""
    if found.laid_out.all():
        return found
    keep = found.laid_out
    return replace(
        found,
        words=found.words[np.repeat(keep, found.word_counts)],
        word_counts=found.word_counts * keep,
        piece_words=found.piece_words[np.repeat(keep, found.piece_counts)],
        piece_lengths=found.piece_lengths[np.repeat(keep, found.piece_counts)],
        piece_counts=found.piece_counts * keep,
    )


def _joined(parts: list[TextLayout]) -> TextLayout:
    """The readings of consecutive runs of a chunk, as one."""
    fields: dict[str, object] = {}
    for name in TextLayout.__slots__:
        values = [getattr(part, name) for part in parts]
        if isinstance(values[0], list):
            fields[name] = [value for part in values for value in part]
        else:
            fields[name] = np.concatenate(values)
    return TextLayout(**fields)  # type: ignore[arg-type]
