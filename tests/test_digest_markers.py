"""The end-anchored marker patterns give exactly what their regexes give, faster."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
