"""Pass 1's byte reading (``layout._read_bytes``: texts in ASCII, and texts of characters
whose reading it knows) is the string reading (``layout._read_strings``, ``shingles``'s
functions one text at a time), field by field, and the keys of lines and sentences do not
depend on how or where a text was read."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import clean_records
from ingest.dedupe import layout
from ingest.dedupe.keys import group_hash, keys_of_strings, segment_keys
from ingest.dedupe.layout import Reading, TextLayout, _read_strings, read_texts
from ingest.dedupe.shingles import PIECE_MARK, normalize_lines, ordered_line_keys
from ingest.io import read_records
from tests.conftest import invoke

# Every ASCII character class the readings treat apart: letters, digits, end marks, closing
# quotes and brackets, other punctuation, each kind of whitespace and line break, controls.
PIECES = [
    "word",
    "Word",
    "WORDS",
    "x",
    "42",
    "3.14",
    ".",
    "!",
    "?",
    "...",
    '"',
    "'",
    ")",
    "]",
    "(",
    "-",
    "|",
    "_",
    ",",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\n \n",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x00",
    "\x7f",
    ".)",
    '."',
    ".')",
    ".]",
    '?")',
    "!x",
    "e.g.",
    "U.S.",
    "Home > News >",
]
# Free-form texts of those pieces, and texts of words each followed by punctuation and
# whitespace (where sentences end or do not).
WORDISH = ["word", "Word", "42", "3.14", "e.g.", "x"]
AFTER = ["", ".", "!", "?", ".)", '."', ".')", ".]", '?")', ",", "-", "...", ")", "|"]
SPACES = ["", " ", "  ", "\t", "\n", "\n\n", "\n \n", "\r\n", "\x0b", "\x1c", "\x00"]
# Characters outside ASCII: known to the byte reading (letters of Latin, Greek and Cyrillic
# script, curly quotes, dashes, the ellipsis, spaces without a break, a soft hyphen, a
# zero-width space, NEL, the line separator) and not (``½``, ``İ``, combining marks, CJK
# punctuation and letters, a ligature, a lone surrogate).
KNOWN = list("éÉßçñøŒœΩωЖжĳǅ’”“‘—–…€\u00a0\u2009\u00ad\u200b\x85\u2028")
UNKNOWN = list("½İ\u0301\u0308。！会ﬁ\ud800")
OTHER_PIECES = PIECES + KNOWN + [f"caf{c}" for c in "éÉ"] + ["’s", "”\n", "…”"]
ascii_texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.lists(
        st.tuples(st.sampled_from(WORDISH), st.sampled_from(AFTER), st.sampled_from(SPACES)),
        max_size=15,
    ).map(lambda parts: "".join("".join(part) for part in parts)),
)
SITES = ["", "a.example", "b.example"]


def readings() -> list[Reading]:
    return [
        Reading(lines=lines, sentences=sentences, mode=mode, layouts=layouts)
        for lines in (False, True)
        for sentences in (False, True)
        for mode in ("auto", "word", "char")
        for layouts in (False, True)
    ]


def assert_same(found: TextLayout, expected: TextLayout) -> None:
    for field in fields(TextLayout):
        a, b = getattr(found, field.name), getattr(expected, field.name)
        if isinstance(b, np.ndarray):
            assert a.dtype.kind == b.dtype.kind, field.name
            assert a.tolist() == b.tolist(), field.name
        else:
            assert a == b, field.name


def one_by_one(texts: list[str], sites: list[str], reading: Reading) -> TextLayout:
    """The string reading of each text on its own, joined: what a chunk must read as."""
    from ingest.dedupe.layout import _joined

    return _joined([_read_strings([t], [s], reading) for t, s in zip(texts, sites, strict=True)])


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(ascii_texts, min_size=1, max_size=5),
    site_picks=st.lists(st.integers(0, 2), min_size=5, max_size=5),
    which=st.integers(0, len(readings()) - 1),
)
def test_the_byte_reading_of_ascii_texts_is_the_string_reading(
    texts: list[str], site_picks: list[int], which: int
) -> None:
    sites = [SITES[n] for n in site_picks[: len(texts)]]
    reading = readings()[which]
    assert_same(read_texts(texts, sites, reading), one_by_one(texts, sites, reading))


known_texts = st.one_of(
    st.lists(st.sampled_from(OTHER_PIECES), max_size=40).map("".join),
    st.lists(
        st.tuples(
            st.sampled_from([*WORDISH, "café", "Straße", "Ωmega", "Жук"]),
            st.sampled_from([*AFTER, "…", ".”", "?’", "…’ ", "—", "“"]),
            st.sampled_from([*SPACES, "\xa0", "\u2028", "\x85", "\n\xa0\n"]),
        ),
        max_size=15,
    ).map(lambda parts: "".join("".join(part) for part in parts)),
)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(known_texts, min_size=1, max_size=5),
    which=st.integers(0, len(readings()) - 1),
)
def test_texts_of_known_characters_are_read_as_bytes_as_strings_are(
    texts: list[str], which: int
) -> None:
    sites = [SITES[n % 3] for n in range(len(texts))]
    reading = readings()[which]
    expected = one_by_one(texts, sites, reading)
    if not any(PIECE_MARK in t.casefold() for t in texts):  # (those are read as strings)
        with pytest.MonkeyPatch.context() as patched:  # read as bytes, each one fits

            def not_called(*args: object) -> None:
                raise AssertionError("read as a string")

            patched.setattr(layout, "_read_strings", not_called)
            assert_same(read_texts(texts, sites, reading), expected)
    assert_same(read_texts(texts, sites, reading), expected)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.one_of(
            ascii_texts,
            known_texts,
            st.lists(st.sampled_from(OTHER_PIECES + UNKNOWN), max_size=30).map("".join),
        ),
        min_size=1,
        max_size=6,
    ),
    which=st.integers(0, len(readings()) - 1),
)
def test_a_chunk_of_mixed_scripts_reads_as_each_text_alone(texts: list[str], which: int) -> None:
    sites = [SITES[n % 3] for n in range(len(texts))]
    reading = readings()[which]
    assert_same(read_texts(texts, sites, reading), one_by_one(texts, sites, reading))


def test_a_known_character_normalizes_alone_beside_any_other() -> None:
    # What the skeleton rests on: NFKC of two known characters is that of each, so a text
    # of them normalizes character by character (casefold always does).
    table, known, fold, several = layout._skeleton_tables()
    chars = [chr(c) for c in np.flatnonzero(known).tolist() if c >= 32]
    alone = {c: unicodedata.normalize("NFKC", c) for c in chars}
    for first in chars:
        for second in chars:
            pair = first + second
            if not unicodedata.is_normalized("NFKC", pair):
                assert unicodedata.normalize("NFKC", pair) == alone[first] + alone[second]
    assert chr(table[ord("é")]) == "a" and chr(table[ord("…")]) == "." and not known[ord("½")]
    # Each known letter folds to the one character it is found as (or to several, marked).
    for char in chars:
        folded = unicodedata.normalize("NFKC", char).casefold()
        if layout._ALL_WORD.fullmatch(folded):
            assert several[ord(char)] == (len(folded) > 1)
            assert several[ord(char)] or chr(fold[ord(char)]) == folded
        else:
            assert fold[ord(char)] == 32


def test_a_text_that_spells_the_mark_is_read_as_a_string() -> None:
    spelled = f"It rained. {PIECE_MARK.upper()} fell.\nRoads closed."
    texts = ["Plain text. Two sentences.", spelled, "More plain text."]
    reading = Reading(lines=True, sentences=True, mode="auto", layouts=True)
    found = read_texts(texts, ["a.example"] * 3, reading)
    assert found.laid_out.tolist() == [True, False, True]
    assert_same(found, one_by_one(texts, ["a.example"] * 3, reading))


def test_the_samples_read_the_same_both_ways() -> None:
    # The cleaned samples, and each of them with its non-ASCII characters left out (real
    # texts for the byte reading: curly quotes and dashes keep the originals off it).
    samples = Path(__file__).resolve().parents[1] / "samples"
    cleaned = [r.text for r in clean_records(read_records([str(samples)]))]
    texts = cleaned + [t.encode("ascii", "ignore").decode() for t in cleaned]
    assert len(texts) > 10 and sum(t.isascii() for t in texts) >= len(cleaned)
    sites = [SITES[n % 3] for n in range(len(texts))]
    for reading in readings():
        assert_same(read_texts(texts, sites, reading), one_by_one(texts, sites, reading))


def test_a_key_is_of_the_words_and_the_site_only() -> None:
    words = np.array([11, 22, 33, 44, 22, 33], dtype=np.uint64)
    group = group_hash("a.example")
    keys = segment_keys(words, np.array([1, 2, 0, 1, 2]), np.full(5, group, dtype=np.uint64))
    # [11] [22 33] [] [44] [22 33]: the same words in another place give the same key.
    assert keys[1] == keys[4]
    assert keys[2] == 0 and all(k != 0 for k in keys[[0, 1, 3, 4]])
    assert len({int(keys[0]), int(keys[1]), int(keys[3])}) == 3
    other = segment_keys(words[1:3], np.array([2]), np.array([group_hash("b.example")], np.uint64))
    assert other[0] != keys[1]
    swapped = segment_keys(words[[2, 1]], np.array([2]), np.array([group], dtype=np.uint64))
    assert swapped[0] != keys[1]


def test_the_keys_of_lines_are_those_of_their_strings() -> None:
    text = "Home > News\n\nIt rained.\nROADS closed!\n\nhome  news"
    lines = normalize_lines(text.split("\n"))
    keys = ordered_line_keys(text, "a.example")
    assert keys.tolist() == keys_of_strings(lines, "a.example").tolist()
    assert keys[0] == keys[5] != 0 and keys[1] == 0
    assert (
        keys_of_strings(["it rained"], "a.example")[0]
        == keys_of_strings(["it rained", "roads closed"], "a.example")[0]
    )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_dedupe_through_the_cli_finds_the_frame_of_ascii_and_other_texts(
    tmp_path: Path, jobs: str
) -> None:
    # Short stories in one site's frame, half of them in ASCII and half not: the frame's
    # lines and sentences are common to all, whichever reading found them, and no story is
    # taken for a copy of another.
    frame_top = "Home > World > Asia\n\nSubscribe to our newsletter for daily news."
    frame_end = "Copyright 2026 Example News. All rights reserved.\n\nShare this story"
    stories = [
        f"Story {n}: the council voted {n} times on the {word} plan."
        for n, word in enumerate(["river", "bridge", "school", "harbour", "market", "rail"])
    ]
    stories += [
        f"Café {n}: le conseil a voté {n} fois sur le plan {word}."
        for n, word in enumerate(["fleuve", "pont", "école", "port", "marché", "rail"])
    ]
    lines = [
        json.dumps(
            {
                "id": f"d{n}",
                "text": f"{frame_top}\n\n{story}\n\n{frame_end}",
                "metadata": {"url": f"https://news.example/{n}"},
            }
        )
        for n, story in enumerate(stories)
    ]
    corpus = tmp_path / "framed.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(["dedupe", "-q", "-j", jobs, "--common-lines", "3", str(corpus)])
    assert result.exit_code == 0, result.output
    kept = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert kept == [f"d{n}" for n in range(len(stories))]


def test_keys_past_the_kept_powers_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.dedupe import keys

    words = np.random.default_rng(7).integers(0, 2**63, 5000).astype(np.uint64)
    counts = np.array([3, 0, 4000, 997])
    groups = np.full(4, group_hash("a.example"), dtype=np.uint64)
    expected = segment_keys(words, counts, groups)
    monkeypatch.setattr(keys, "KEPT_POWERS", 100)
    monkeypatch.setattr(keys, "_POWERS", [np.ones(1, np.uint64), np.ones(1, np.uint64)])
    assert segment_keys(words, counts, groups).tolist() == expected.tolist()
    assert len(keys._POWERS[0]) <= 100  # a long sequence's powers are not kept
    assert segment_keys(words[3:4003], counts[2:3], groups[:1])[0] == expected[2]


@pytest.mark.parametrize("times", [0, 1, 3])
def test_runs_cut_at_the_byte_run_read_the_same(
    monkeypatch: pytest.MonkeyPatch, times: int
) -> None:
    # The cleaned samples, in ASCII and not, read in runs of at most `times` the longest
    # one's characters (0: every text longer than the limit, read as a string), as in one run.
    samples = Path(__file__).resolve().parents[1] / "samples"
    cleaned = [r.text for r in clean_records(read_records([str(samples)]))]
    texts = cleaned + [t.encode("ascii", "ignore").decode() for t in cleaned]
    sites = [SITES[n % 3] for n in range(len(texts))]
    reading = Reading(lines=True, sentences=True, mode="auto", layouts=True)
    expected = read_texts(texts, sites, reading)
    limit = max(1, times * max(map(len, texts)))
    monkeypatch.setattr(layout, "BYTE_RUN", limit)
    runs: list[int] = []  # the characters of each run read as bytes
    real = layout._read_byte_run
    monkeypatch.setattr(
        layout, "_read_byte_run", lambda t, s, r: runs.append(sum(map(len, t))) or real(t, s, r)
    )
    assert_same(read_texts(texts, sites, reading), expected)
    assert_same(expected, one_by_one(texts, sites, reading))
    if times == 0:
        assert not runs
    else:  # runs cut to as many texts as fit
        assert len(runs) > 1 and max(runs) <= limit
