"""Documents that come out of ``clean`` empty: said why, counted, and dropped on request.

A page whose extraction finds nothing is a fact about the corpus, not a success: each one
carries ``metadata.empty_reason`` and the summary line counts them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..record import Record

NO_MAIN_CONTENT = "no main content"
ONLY_MARKUP = "only markup"
FEED_WITHOUT_ITEMS = "feed without items"
EMPTY_DOCUMENT = "empty document"
ONLY_BOILERPLATE = "only boilerplate"
ONLY_REPEATED_LINES = "only repeated lines"
# What a browser would not show: scripts, styles, comments, then every tag.
INVISIBLE_HTML = re.compile(
    r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[^>]*>",
    re.S | re.I,
)
WORD_CHARACTER = re.compile(r"\w")


@dataclass
class CleanStats:
    """What the clean stage counted; ``summary`` is its part of the summary line."""

    empty: int = 0
    dropped: bool = False

    def summary(self) -> str:
        """``""`` when none came out empty.

        >>> CleanStats(3).summary(), CleanStats(1, dropped=True).summary(), CleanStats().summary()
        ('3 came out empty', '1 came out empty (dropped)', '')
        """
        if not self.empty:
            return ""
        return f"{self.empty} came out empty" + (" (dropped)" if self.dropped else "")


def empty_reason(text: str, original: str, content_type: str, previous: str = "") -> str:
    """Why ``text``, cleaned from ``original`` (a ``content_type`` document), is empty;
    ``""`` when it is not. A reason found by an earlier clean is kept."""
    if text.strip():
        return ""
    if previous:
        return previous
    if content_type == "feed":
        return FEED_WITHOUT_ITEMS
    if content_type == "html":
        return NO_MAIN_CONTENT if has_visible_text(original) else ONLY_MARKUP
    return ONLY_BOILERPLATE if original.strip() else EMPTY_DOCUMENT


def has_visible_text(markup: str) -> bool:
    """Whether an HTML page shows any word at all, outside its scripts and styles.

    >>> has_visible_text("<html><script>var a = 1;</script><div> &nbsp;</div>")
    False
    >>> has_visible_text("<p>Hi")
    True
    """
    return bool(WORD_CHARACTER.search(text_without_tags(markup)))


def text_without_tags(markup: str) -> str:
    """The characters of HTML outside its tags, scripts, styles and comments, entities
    decoded, in one run (no paragraphs). By regex, with no parse: markup nested deeper than
    libxml2 goes (256 levels) or too broken to parse keeps its words (see also
    ``listing.text_outside_chrome``, which walks a parsed page and leaves out its navigation).

    >>> text_without_tags("<p>Caf&eacute;<script>x()</script></p>")
    ' Café  '
    """
    return html.unescape(INVISIBLE_HTML.sub(" ", markup))


def count_empty(records: Iterable[Record], stats: CleanStats, drop: bool) -> Iterator[Record]:
    """``records``, the empty ones counted in ``stats`` (and left out when ``drop``)."""
    stats.dropped = drop
    for record in records:
        if mark_empty(record):
            stats.empty += 1
            if drop:
                continue
        yield record


def mark_empty(record: Record) -> bool:
    """Whether ``record`` came out empty; if so, ``metadata.empty_reason`` says why."""
    if record.text.strip():
        return False
    # Repeated-line removal comes after clean_record: it can empty a text too.
    record.metadata["empty_reason"] = record.metadata.get("empty_reason") or ONLY_REPEATED_LINES
    return True
