"""Shortcuts in clean's text rules (marker patterns, whitespace, line rules, the memo of a
page's rounds) and in reading (file suffixes) give exactly what the plain forms give, faster."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.clean import boilerplate, normalize
from ingest.digest import ELLIPSIS_END, LINK_MARKER, SENTENCE_END, EndAnchored, split_blocks
from ingest.io import inputs

from .conftest import SAMPLES

# Pieces of markers and of the text around them, and whitespace \s matches (NBSP, ideographic
# space, NEL, file separator) and letters that fold to ASCII under IGNORECASE (long s, Kelvin).
PIECES = [
    "read more",
    "Read More",
    "more",
    "MORE",
    "continue reading",
    "full story",
    "details",
    "continued",
    "[",
    "]",
    "(",
    ")",
    "...",
    "..",
    "…",
    "»",
    "›",
    "→",
    ">>",
    ">",
    ".",
    " ",
    "\n",
    "\t",
    "\xa0",
    "\u3000",
    "\x85",
    "\x1c",
    "word",
    "e",
    "G",
    "y",
    "ſ",
    "\u212a",
]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def same(anchored: EndAnchored, text: str) -> None:
    ours, theirs = anchored.search(text), anchored.pattern.search(text)
    assert (ours and (ours.span(), ours.group(0))) == (theirs and (theirs.span(), theirs.group(0)))
    assert anchored.sub("", text) == anchored.pattern.sub("", text)
    assert anchored.sub(lambda m: f"<{m.group(0)}>", text) == anchored.pattern.sub(
        lambda m: f"<{m.group(0)}>", text
    )


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_link_marker_matches_as_its_regex(text: str) -> None:
    same(LINK_MARKER, text)
    same(ELLIPSIS_END, text)


@pytest.mark.parametrize(
    "marker",
    [
        "[more..]",
        "(Read More)",
        "Details »",
        "more ›",
        "Read more →",
        "MORE >>",
        "more...",
        "more…",
        "READ MORE",
        "Continue Reading",
        "FULL STORY",
        "full story",
    ],
)
def test_every_kind_of_marker_is_still_found(marker: str) -> None:
    for text in (f"Teaser text. {marker}", f"Teaser text. {marker} \n", marker):
        assert LINK_MARKER.search(text)
        same(LINK_MARKER, text)


def test_markers_are_still_found_and_prose_is_skipped() -> None:
    assert LINK_MARKER.sub("", "The seminar was held online. [Read more...]  \n") == (
        "The seminar was held online."
    )
    assert LINK_MARKER.search("Scholars met in Beijing. Continue reading →")
    assert ELLIPSIS_END.search("The talks went on…")
    assert LINK_MARKER.search("An ordinary sentence.") is None
    assert isinstance(LINK_MARKER.pattern, re.Pattern)


# -- the other shortcuts of clean's text rules: the same results as the plain regexes -------

LINE_PIECES = [
    "Share",
    "share",
    "Facebook",
    "twitter",
    "e-mail",
    "Email",
    "word",
    "Copyright",
    "©",
    "(c) 2023",
    "all rights reserved",
    "cookies",
    "accept",
    "policy",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n\n",
    "\r\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x85",
    "\u2028",
    "\xa0",
    "\u3000",
    "\u200b",
    "\xad",
    "\x07",
    "\x1f",
    "-",
    "|",
    "é",
    "İ",
    ".",
]
lines = st.lists(st.sampled_from(LINE_PIECES), max_size=14).map("".join)


def plain_normalize_whitespace(text: str) -> str:
    """normalize_whitespace as it was: every pattern on every text."""
    text = normalize.LINE_BREAKS.sub("\n", text)
    text = normalize.ODD_SPACES.sub(" ", text)
    text = normalize.INVISIBLES.sub("", text)
    text = normalize.CONTROLS.sub("", text)
    text = normalize.EDGE_SPACE.sub("", text)
    text = normalize.INNER_SPACE_RUNS.sub(" ", text)
    text = normalize.BLANK_LINE_RUNS.sub("\n\n", text)
    return text.strip("\n ")


@settings(max_examples=3000, deadline=None)
@given(lines)
def test_normalize_whitespace_matches_the_plain_regexes(text: str) -> None:
    assert normalize.normalize_whitespace(text) == plain_normalize_whitespace(text)


@settings(max_examples=2000, deadline=None)
@given(lines)
def test_line_rules_match_their_plain_form(line: str) -> None:
    words = re.findall(r"[\w-]+", line.lower())
    assert boilerplate.is_share_bar(line) == (
        bool(words) and all(w in boilerplate.SHARE_WORDS for w in words)
    )


# -- the shortcuts of #13's second part: the same results as the forms they replace ----------

BREADCRUMB_PIECES = ["Home", "News", "World", " > ", ">>", ">", "»", "›", "→", "|", " ", "."]
crumbs = st.lists(st.sampled_from(BREADCRUMB_PIECES), max_size=12).map("".join)


def plain_is_breadcrumb(line: str) -> bool:
    if len(line) > boilerplate.MAX_NAV_CHARS:
        return False
    parts = boilerplate.BREADCRUMB_SEPARATORS.split(line.strip())
    separators = len(boilerplate.BREADCRUMB_SEPARATORS.findall(line))
    segments = [p for p in parts if p]
    return (
        separators >= 2
        and len(segments) >= 2
        and all(len(s.split()) <= boilerplate.MAX_BREADCRUMB_SEGMENT_WORDS for s in segments)
        and not any(SENTENCE_END.search(s) for s in segments)
    )


@settings(max_examples=3000, deadline=None)
@given(st.one_of(crumbs, lines))
def test_breadcrumbs_are_found_as_without_the_mark_count(line: str) -> None:
    assert boilerplate.is_breadcrumb(line) == plain_is_breadcrumb(line)


PAGE_LINES = [
    "Home > News > World",
    "Share | Tweet | Email",
    "Harbour reopens after the storm",
    "March 15, 2023 By Liu Lingling, People's Daily",
    "The harbour reopened on Monday after the storm had closed it for a week, officials said.",
    "Fishermen said the damage was smaller than feared. [more..]",
    "GENEVA, Dec 1 (Wire) - The talks ended.",
    "Read more >>",
    "About us",
    "Contact:",
    "Copyright 2023 Example News. All rights reserved.",
    "",
    "",
]
pages = st.lists(st.sampled_from(PAGE_LINES), max_size=16).map("\n".join)


def plain_trim_footer(lines: list[str], result: boilerplate.Cleaned) -> list[str]:
    content = [
        i for i, line in enumerate(lines) if line.strip() and not boilerplate.is_footer_line(line)
    ]
    if not content:
        return lines
    for line in lines[content[-1] + 1 :]:
        if line.strip():
            result.remove("footer", line.strip())
    return lines[: content[-1] + 1]


@settings(max_examples=2000, deadline=None)
@given(pages)
def test_the_footer_is_found_from_the_end_as_from_the_start(page: str) -> None:
    ours, theirs = boilerplate.Cleaned(""), boilerplate.Cleaned("")
    lines = page.split("\n")
    kept = boilerplate._trim_footer(lines, ours, boilerplate.PageVerdicts())
    assert kept == plain_trim_footer(lines, theirs)
    assert ours.removed == theirs.removed


@settings(max_examples=2000, deadline=None)
@given(st.one_of(pages, lines), st.integers(1, 30))
def test_a_long_block_is_found_without_making_the_blocks(text: str, words: int) -> None:
    expected = any(len(b.text.split()) >= words for b in split_blocks(text))
    assert boilerplate._has_block_of(text, words) == expected


def rounds(text: str, verdicts: boilerplate.PageVerdicts | None) -> list[boilerplate.Cleaned]:
    """Boilerplate removal to its fixed point, as clean._strip_boilerplate runs it."""
    found: list[boilerplate.Cleaned] = []
    title = ""
    for _ in range(4):
        memo = verdicts if verdicts is not None else boilerplate.PageVerdicts()
        cleaned = boilerplate.clean_text_page(text, find_title=not title, verdicts=memo)
        title = title or cleaned.title
        found.append(cleaned)
        if normalize.normalize_whitespace(cleaned.text) == text:
            break
        text = normalize.normalize_whitespace(cleaned.text)
    return found


@settings(max_examples=1500, deadline=None)
@given(pages)
def test_the_rounds_of_a_page_share_their_verdicts_and_find_the_same(page: str) -> None:
    text = normalize.normalize_whitespace(page)
    assert rounds(text, boilerplate.PageVerdicts()) == rounds(text, None)


def test_the_samples_are_cleaned_the_same_with_and_without_the_memo() -> None:
    for sample in sorted(SAMPLES.rglob("*.txt")):
        text = normalize.normalize_text(sample.read_text(encoding="utf-8", errors="replace"))[0]
        assert rounds(text, boilerplate.PageVerdicts()) == rounds(text, None)


PATH_PIECES = ["a", "b", ".", "..", "/", "//", "txt", "gz", "GZ", "jsonl", "x.y", ".gz", "é", " "]
paths = st.lists(st.sampled_from(PATH_PIECES), max_size=8).map("".join)


@settings(max_examples=3000, deadline=None)
@given(paths)
def test_suffixes_are_read_as_pathlib_reads_them(path: str) -> None:
    p = PurePosixPath(path)
    stem = PurePosixPath(p.stem) if p.suffix.lower() in inputs.COMPRESSION_SUFFIXES else p
    assert inputs._stem_suffix(path) == stem.suffix.lower()
    assert inputs.compression_of(path) == inputs.COMPRESSION_SUFFIXES.get(p.suffix.lower())
