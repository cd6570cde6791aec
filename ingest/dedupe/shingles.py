"""Shingles: the n-grams two documents are compared by, in any script."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from .config import MODES as MODES
from .keys import keys_of_strings

# Punctuation and symbols of every script (Unicode categories P* and S*) fold to a space.
PUNCTUATION = re.compile(r"[^\w\s]|_")
# Scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer,
# Myanmar. (Hangul is written with spaces and shingles by word.)
UNSPACED = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff"
    r"\u1780-\u17ff\u1000-\u109f\U00020000-\U0002fa1f]"
)
# Above this share of unspaced letters, words are not what spaces separate.
UNSPACED_SHARE = 0.3
SCRIPT_SAMPLE = 4096
# Where a sentence ends: its punctuation (and a closing quote) before a space, CJK full stops
# (no space follows them), or a blank line. A single line break is a space: wrapped lines.
PIECE_MARK = "qqsentencebreakqq"
# Written as one character class first, then each kind of break (told by a lookbehind at
# that character): the regex engine skips to the next candidate character, where three
# alternatives would each be tried at every position (twice as slow, the same matches).
SENTENCE_BREAK = re.compile(
    r"""[.!?…。！？\n](?:(?<=[.!?…])["'”’)\]]*\s+|(?<=[。！？])[”’」』）)]*\s*|(?<=\n)\s*\n)"""
)
# A break is punctuation and whitespace only, which normalization folds to a space and
# which takes part in no Unicode composition: replaced by the mark, it normalizes as when
# the mark follows it. (A literal replacement: a template with ``\g<0>`` costs a Python
# call a match.)
_BREAK_AS_MARK = f" {PIECE_MARK} "
# A layout's word count of a blank line (empty or whitespace only: ``layout.TextLayout``).
PARAGRAPH_BREAK = -1


def normalize_for_shingles(text: str) -> str:
    """NFKC, case-folded, punctuation and runs of whitespace folded to one space.

    >>> normalize_for_shingles("GENEVA, Sept. 14 (Xinhua) --  China’s  ＵＮ envoy")
    'geneva sept 14 xinhua china s un envoy'
    """
    if text.isascii():  # most text: one C-level pass instead of NFKC, casefold and a regex
        return " ".join(text.translate(_ASCII_FOLD).split())
    return normalize_any(text)


def normalize_any(text: str) -> str:
    """``normalize_for_shingles`` without the shortcut for ASCII text."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(PUNCTUATION.sub(" ", text).split())


def _ascii_fold_table() -> dict[int, str]:
    """What the general path makes of each ASCII character, as a ``str.translate`` table
    (derived from it, so that both paths agree by construction)."""
    table = {}
    for code in range(128):
        char = chr(code)
        table[code] = normalize_any(char) or " "
    return table


_ASCII_FOLD = str.maketrans(_ascii_fold_table())


def is_unspaced(normalized: str) -> bool:
    """Mostly written without spaces (judged on the first few thousand characters)."""
    sample = normalized[:SCRIPT_SAMPLE]
    if sample.isascii():  # no unspaced script is ASCII: one C-level test, not a regex scan
        return False
    letters = len(sample) - sample.count(" ")  # normalized text has single spaces only
    return letters > 0 and len(UNSPACED.findall(sample)) > UNSPACED_SHARE * letters


def shingle_unit(normalized: str, mode: str) -> str:
    """``word`` or ``char``: what the n-grams of this document are made of."""
    if mode != "auto":
        return mode
    return "char" if is_unspaced(normalized) else "word"


def shingles(normalized: str, ngram: int, unit: str) -> set[bytes]:
    """The distinct ``ngram``-grams of words or characters; a shorter text is one shingle.

    >>> sorted(shingles("a b c d", 3, "word"))
    [b'a b c', b'b c d']
    >>> sorted(s.decode() for s in shingles("人权理事会", 4, "char"))
    ['人权理事', '权理事会']
    """
    if unit == "char":
        # In unspaced scripts a space is folded punctuation, not a word boundary.
        tokens = [char for char in normalized if not char.isspace()]
        joiner = ""
    else:
        tokens = normalized.split()
        joiner = " "
    if not tokens:
        return set()
    if len(tokens) <= ngram:
        return {joiner.join(tokens).encode("utf-8")}
    return {
        joiner.join(tokens[i : i + ngram]).encode("utf-8") for i in range(len(tokens) - ngram + 1)
    }


def normalize_lines(lines: list[str]) -> list[str]:
    """``normalize_for_shingles`` of each line.

    One normalization of all lines joined by a mark, many times faster than one a line
    (as in ``sentence_pieces``): case folding and the punctuation rule work character by
    character, NFKC composes a character only with what follows it and never a space with
    anything, whitespace runs fold to one space, and the mark stands between spaces, so each
    line comes out as it would alone. A line that itself holds the mark adds a part: then
    each line is normalized on its own.
    """
    if len(lines) < 2:
        return [normalize_for_shingles(line) for line in lines]
    parts = normalize_for_shingles(f" {PIECE_MARK} ".join(lines)).split(PIECE_MARK)
    if len(parts) != len(lines):
        return [normalize_for_shingles(line) for line in lines]
    return [part.strip() for part in parts]


def ordered_line_keys(text: str, group: str) -> np.ndarray:
    """The key of every line of a text within its site ``group``, in order (0 for a blank
    line): counted in pass 1 (a site's headers and footers), and looked up by
    ``CommonParts`` to leave out a site's common lines."""
    return keys_of_strings(normalize_lines(text.split("\n")), group)


def sentence_pieces(text: str) -> list[str]:
    """The normalized sentences of a text (paragraphs without an end mark count as one).

    >>> sentence_pieces("Home | News\\n\\nIt rained.  Roads\\nclosed! 会议开幕。代表发言。")
    ['home news', 'it rained', 'roads closed', '会议开幕', '代表发言']
    """
    return pieces_and_whole(text)[0]


def pieces_and_whole(text: str) -> tuple[list[str], str]:
    """``sentence_pieces(text)`` and ``normalize_for_shingles(text)``, from one normalization.

    >>> pieces_and_whole("It rained.  Roads\\nclosed!")
    (['it rained', 'roads closed'], 'it rained roads closed')
    """
    # The mark in place of every break, in one C-level substitution; then one normalization
    # for the whole text, many times faster than one a sentence: the mark is made of
    # letters, so it survives normalization as a word of its own.
    marked, breaks = SENTENCE_BREAK.subn(_BREAK_AS_MARK, text)
    normalized = normalize_for_shingles(marked)
    pieces = [piece for part in normalized.split(PIECE_MARK) if (piece := part.strip())]
    # A break is folded to a space by normalization, so the pieces joined are the whole text
    # normalized; unless the text spells the mark itself (its own words would be lost).
    if normalized.count(PIECE_MARK) != breaks:
        return pieces, normalize_for_shingles(text)
    return pieces, " ".join(pieces)
