"""Finding the stories of a digest page in its text: shared by ``clean`` and ``split``.

A digest is an introduction, then items: a title line and a teaser paragraph, the teaser
usually ending in a "more" marker. ``clean`` finds the items while the markers are still
there and records where they start (``metadata.items``); ``split`` cuts there, or finds the
items itself in text that was never cleaned.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass


class EndAnchored:
    """A pattern that must match at the end of the text (``\\s*$``), tried only on texts
    whose last visible characters can end a match.

    The regex alone is tried at every position of every block and line, and that was most
    of ``clean``'s time on plain text (benchmarks/PROFILE.md). ``endings`` must list every
    way a match can end (``str.rstrip`` strips what ``\\s`` matches): then the check only
    skips texts the pattern cannot match, and the results are those of the regex.
    """

    def __init__(self, pattern: re.Pattern[str], endings: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.endings = endings
        # Whether a text (rstripped) ends as a match may: map-able, with no Python frame.
        self.ends = operator.methodcaller("endswith", endings)

    def _may_match(self, text: str) -> bool:
        return text.rstrip().endswith(self.endings)

    def may_match_any(self, texts: Iterable[str]) -> bool:
        """Whether the pattern may match one of ``texts`` (``_may_match`` of each, tested
        with no Python call per text: a page's lines are many and rarely end in a marker)."""
        return any(self._endings_of(texts))

    def count_may_match(self, texts: Iterable[str]) -> int:
        """How many of ``texts`` the pattern may match (``_may_match`` of each)."""
        return sum(self._endings_of(texts))

    def _endings_of(self, texts: Iterable[str]) -> Iterator[bool]:
        return map(self.ends, map(str.rstrip, texts))

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self._may_match(text) else None

    def sub(self, replacement: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self.pattern.sub(replacement, text) if self._may_match(text) else text


# "More" links at the end of a teaser, in the variants sites use. The bracketed ones and
# the arrows are link text, not prose: they are removed. A trailing ellipsis marks a
# truncated teaser too, but it is part of the text and stays.
LINK_MARKER = EndAnchored(
    re.compile(
        r"""\s*(?:
            [\[(]\s*(?:more|read\ more|full\ story|continued?|details)\s*(?:\.{2,}|…)?\s*[\])]
          | (?:read\ more|more|full\ story|continue\ reading|details)\s*(?:>>|»|›|→|\.{3}|…)
          | (?:read\ more|continue\ reading|full\ story)
        )\s*$""",
        re.IGNORECASE | re.VERBOSE,
    ),
    # "]" ")"; the arrows and ellipses; "read more", "continue reading", "full story".
    ("]", ")", ">>", "»", "›", "→", "...", "…", "e", "E", "g", "G", "y", "Y"),
)
ELLIPSIS_END = EndAnchored(re.compile(r"(?:\.{3}|…)\s*$"), ("...", "…"))
BLANK_LINES = re.compile(r"\n[ \t]*\n")
BLANK_LINE_SEPARATORS = re.compile(f"({BLANK_LINES.pattern})")
SENTENCE_END = re.compile(r"""[.!?。！？…]["'”’)\]]?$""")
# "the U.S." ends a headline in sample 002: an abbreviation, not a sentence.
ABBREVIATION_END = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|Dr)\.)$")
LIST_ITEM = re.compile(r"^\s*(?:[-*•·▪◦]|\d{1,3}[.)])\s+")
MAX_TITLE_CHARS = 300
MAX_TITLE_WORDS = 40
MIN_TEASER_WORDS = 6
# Without markers, a digest must show its shape more often before we believe it.
MIN_ITEMS_WITHOUT_MARKERS = 3
DIGEST_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph of the text and where it lies."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Item:
    """One story of a digest: offsets into the text it was found in."""

    title: str
    title_start: int
    teaser_start: int
    teaser_end: int
    marker: str  # the marker text that ended the teaser, "" if none


def split_blocks(text: str) -> list[Block]:
    """Paragraphs separated by blank lines; lines, when the text has no blank line at all."""
    # One split gives the chunks and what separates them (the captured separators), where
    # slicing the text at each match of a search cost twice as much; a chunk's block starts
    # after its leading whitespace.
    chunks, separators = _chunks(text)
    blocks, position = [], 0
    for chunk, separator in zip(chunks, [*separators, 0], strict=True):
        stripped = chunk.strip()
        if stripped:
            offset = position + len(chunk) - len(chunk.lstrip())
            blocks.append(Block(stripped, offset, offset + len(stripped)))
        position += len(chunk) + separator
    return blocks


def _chunks(text: str) -> tuple[list[str], list[int]]:
    """What ``split_blocks`` strips into blocks, and the length of each separator between."""
    pieces = BLANK_LINE_SEPARATORS.split(text)
    if len(pieces) > 1:
        return pieces[::2], [len(s) for s in pieces[1::2]]
    chunks = text.split("\n")
    return chunks, [1] * (len(chunks) - 1)


def chunk_texts(text: str) -> list[str]:
    """The chunks ``split_blocks`` strips into blocks (``_chunks(text)[0]``), without the
    separators' lengths."""
    pieces = BLANK_LINES.split(text)
    return pieces if len(pieces) > 1 else text.split("\n")


def _last_blocks(text: str, count: int) -> list[str]:
    """The texts of the last ``count`` blocks of ``split_blocks(text)`` (fewer if it has
    fewer), found from the end without making the blocks."""
    found: list[str] = []
    for chunk in reversed(chunk_texts(text)):
        stripped = chunk.strip()
        if stripped:
            found.append(stripped)
            if len(found) == count:
                break
    return found[::-1]


def find_marker(block: str) -> str:
    """The "more" marker that ends ``block``, or ``""``.

    >>> find_marker("The seminar was held online.[more..]"), find_marker("No marker.")
    ('[more..]', '')
    """
    match = LINK_MARKER.search(block) or ELLIPSIS_END.search(block)
    return match.group(0).strip() if match else ""


def strip_marker(block: str) -> str:
    """``block`` without a trailing link marker (an ellipsis is text and stays)."""
    return LINK_MARKER.sub("", block).rstrip()


def strip_markers(text: str) -> str:
    """``text`` with the link marker at the end of any line removed."""
    lines = text.split("\n")
    if not LINK_MARKER.may_match_any(lines):
        return text
    return "\n".join(LINK_MARKER.sub("", line) for line in lines)


def is_title_like(block: str) -> bool:
    """A headline: one short line that does not end a sentence, and is not a list item."""
    if "\n" in block or len(block) > MAX_TITLE_CHARS or LIST_ITEM.match(block):
        return False
    words = block.split()
    if not words or len(words) > MAX_TITLE_WORDS:
        return False
    if block.endswith((",", ";", ":")):
        return False
    return not SENTENCE_END.search(block) or bool(ABBREVIATION_END.search(block))


def is_teaser_like(block: str) -> bool:
    return len(block.split()) >= MIN_TEASER_WORDS and not is_title_like(strip_marker(block))


def find_items(text: str, min_items: int = 2) -> list[Item]:
    """The items of a digest page, or ``[]`` when ``text`` is not one.

    With markers: a title line followed by a teaser that ends in a marker, at least
    ``min_items`` times. Without: a strict alternation of title lines and teasers, at least
    ``max(min_items, 3)`` times, running to the end of the page. Either way the stories
    must make up most of the page.
    """
    if _holds_no_items(text, min_items):
        return []
    blocks = split_blocks(text)
    items = _items_with_markers(blocks)
    if len(items) < min_items:
        items = _items_by_alternation(blocks)
        if len(items) < max(min_items, MIN_ITEMS_WITHOUT_MARKERS):
            return []
    return items if _is_mostly_items(items, text) else []


def _holds_no_items(text: str, min_items: int) -> bool:
    """True when ``find_items`` finds nothing in ``text``, told without making its blocks
    (most pages are no digest; the blocks were most of the search's time).

    A block ending in a marker ends a line that ends in one of the marker endings (a block
    is stripped lines, an ending holds no space): with fewer such lines than ``min_items``,
    the marked teasers are too few. And the alternation of titles and teasers, read from the
    end, stops before its first item unless the last two blocks are a title and a teaser.
    """
    last = _last_blocks(text, 2)
    if len(last) == 2 and is_title_like(last[0]) and is_teaser_like(last[1]):
        return False
    return LINK_MARKER.count_may_match(text.split("\n")) < min_items


def _is_mostly_items(items: list[Item], text: str) -> bool:
    """A digest, not an article that ends with a few related teasers: the stories must be
    at least ``DIGEST_SHARE`` of the page (the samples: 0.89 and 0.93)."""
    covered = sum(item.teaser_end - item.title_start for item in items)
    return covered >= DIGEST_SHARE * len(text.strip())


def _items_with_markers(blocks: list[Block]) -> list[Item]:
    # Teasers ending in a link marker; if fewer than two, those ending in any marker
    # (``find_marker``: a link marker or an ellipsis), told apart in one pass.
    linked: list[int] = []
    marked: list[int] = []
    for index in range(1, len(blocks)):
        text = blocks[index].text
        if LINK_MARKER.search(text):
            linked.append(index)
            marked.append(index)
        elif ELLIPSIS_END.search(text):
            marked.append(index)
    if len(linked) >= 2:
        marked = linked
    items: list[Item] = []
    previous_end = -1
    for index in marked:
        title_index = _title_before(blocks, index) if not items else previous_end + 1
        if title_index is None or title_index >= index:
            continue  # two markers in a row: a teaser of two paragraphs
        title = blocks[title_index]
        if not is_title_like(title.text):
            continue
        teaser_start = blocks[title_index + 1].start
        items.append(
            Item(
                title.text,
                title.start,
                teaser_start,
                blocks[index].end,
                find_marker(blocks[index].text),
            )
        )
        previous_end = index
    return items


def _title_before(blocks: list[Block], index: int, reach: int = 3) -> int | None:
    """The nearest title line above the first marked teaser (which may have paragraphs)."""
    for candidate in range(index - 1, max(-1, index - 1 - reach), -1):
        if is_title_like(blocks[candidate].text):
            return candidate
    return None


def _items_by_alternation(blocks: list[Block]) -> list[Item]:
    """Title/teaser pairs that run, strictly alternating, from some block to the last."""
    items: list[Item] = []
    index = len(blocks) - 2
    while (
        index >= 0 and is_title_like(blocks[index].text) and is_teaser_like(blocks[index + 1].text)
    ):
        title, teaser = blocks[index], blocks[index + 1]
        items.append(Item(title.text, title.start, teaser.start, teaser.end, ""))
        index -= 2
    items.reverse()
    return items


def locate_stories(text: str, stories: list[tuple[str, str, str]]) -> list[dict[str, object]]:
    """``metadata.items`` for ``text``: where each (title, teaser, url) story lies in it.

    Offsets are in characters (Python ``str`` indices): ``start`` is where the title begins,
    ``end`` where the teaser ends. Returns ``[]`` unless every story is found, in order.
    """
    located: list[dict[str, object]] = []
    position = 0
    for title, teaser, url in stories:
        start = text.find(title, position)
        teaser_at = text.find(teaser, start + len(title)) if start >= 0 else -1
        if start < 0 or teaser_at < 0:
            return []
        end = teaser_at + len(teaser)
        located.append({"title": title, "start": start, "end": end, "url": url})
        position = end
    return located
