"""Shortcuts in clean's text rules (marker patterns, whitespace, line rules) give exactly
what the plain regexes give, faster."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.clean import boilerplate, normalize
from ingest.digest import ELLIPSIS_END, LINK_MARKER, EndAnchored

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
