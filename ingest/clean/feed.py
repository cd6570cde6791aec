"""RSS and Atom feeds: the machine-readable form of a digest page, one story per item.

Feeds are parsed by feedparser: real feeds are often ill-formed (an unescaped ``&``, a
missing ``</item>``, HTML entities XML does not know), and feedparser falls back to a loose
parser where a strict XML parser stops; ``benchmarks/bench_feeds.py`` measures it against a
plain lxml walk. The HTML inside an item (its description or content) becomes paragraphs
of text, normalized as every cleaned text is, so that ``digest.locate_stories`` finds each
item in the feed's text.
"""

from __future__ import annotations

import html.entities
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import feedparser
from lxml import html as lxml_html

from ..digest import strip_marker
from .empty import text_without_tags
from .normalize import CONTROLS, LINE_BREAKS, normalize_text, normalize_whitespace

# What may come before a feed's root element: a BOM, the XML declaration, processing
# instructions (xml-stylesheet), comments and a doctype (RSS 0.91 has Netscape's).
XML_DECLARATION = re.compile(r"\A(\ufeff?\s*)<\?xml[^>]*\?>")
# Elements whose text is not the item's text. (listing.py walks a whole page, with tag lists
# for a site's widgets; an item's HTML is the story's body, where embeds and forms are not.)
SKIPPED_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "form", "button")
BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}
    | {"figure", "figcaption", "aside", "hr", "address"}
)
CDATA_SECTION = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.S)
BARE_AMPERSAND = re.compile(r"&(?!#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][\w.-]*;)")
REFERENCE = re.compile(r"&([A-Za-z][\w.-]*);")
# An item's text element whose content starts with a tag, up to its closing tag (not past
# the next item: a missing closing tag must not swallow the items after it).
RAW_MARKUP_ELEMENT = re.compile(
    r"(<(description|content:encoded|content|summary)\b[^>]*>)"
    r"(\s*<(?!!\[CDATA\[)(?:(?!</?(?:item|entry)\b|</\2>).)*)(</\2>)",
    re.S,
)
XHTML_TYPE = re.compile(r"""\btype\s*=\s*["']xhtml["']""")
XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|a|b|i|em|strong|img|ul|ol|li|h[1-6]|article)\b[^<>]*>", re.I
)
# Below this share of the words of a fragment in its parse, the parse lost text.
MIN_PARSED_SHARE = 0.5
INLINE_SPACE = re.compile(r"[ \t\r\f\v]+")
PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One story of a feed: its title and text (cleaned), link, ISO 8601 date, author."""

    title: str
    text: str
    url: str = ""
    date: str = ""
    author: str = ""


@dataclass(frozen=True, slots=True)
class Feed:
    """What was taken out of one feed document."""

    format: str  # feedparser's name for the flavour: "rss20", "rss10", "atom10", "rss091u"...
    title: str = ""
    url: str = ""
    date: str = ""
    author: str = ""
    items: list[FeedItem] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)

    def add_dates_and_authors(self, located: list[dict[str, object]]) -> None:
        """Give each story of ``located`` (``metadata.items`` for this feed's items, from
        ``locate_stories``: all of them or none) its item's date and author."""
        for entry, item in zip(located, self.items if located else [], strict=True):
            entry.update(date=item.date, author=item.author)


@dataclass
class _Normalizer:
    """``normalize_text`` with clean's options, remembering the repairs it made."""

    repair: bool = True
    entities: bool = True
    repairs: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> str:
        cleaned, repairs = normalize_text(text, repair=self.repair, entities=self.entities)
        self.repairs += [r for r in repairs if r not in self.repairs]
        return cleaned.strip()


def parse_feed(text: str, *, repair: bool = True, entities: bool = True) -> Feed:
    """The items of a decoded feed document, in document order, ill-formed or not; their
    text normalized as ``clean`` normalizes (``repair``: mojibake, ``entities``: HTML
    entities left in the text), so that ``clean`` finds it unchanged in the feed's text."""
    parsed = feedparser.parse(
        io.BytesIO(_as_utf8(text)), resolve_relative_uris=False, sanitize_html=True
    )
    normalize = _Normalizer(repair, entities)
    channel = parsed.get("feed", {})
    items = [_item(entry, normalize) for entry in parsed.get("entries", [])]
    return Feed(
        format=parsed.get("version") or "unknown",
        title=_plain(channel, "title", normalize),
        url=str(channel.get("link", "")),
        date=_iso_date(channel),
        author=_plain(channel, "author", normalize),
        items=[item for item in items if item.title or item.text],
        repairs=normalize.repairs,
    )


def feed_text(feed: Feed) -> str:
    """The text of a feed: each item's title line and text, blank lines between (where
    ``digest.locate_stories`` finds them)."""
    blocks: list[str] = []
    for item in feed.items:
        blocks += [block for block in (item.title, item.text) if block]
    return PARAGRAPH_BREAK.join(blocks)


def _as_utf8(text: str) -> bytes:
    """The document as UTF-8 bytes that say so: ``text`` was decoded already, by the
    project's rules, so the declaration's label (maybe wrong) must not be applied again."""
    text = XML_DECLARATION.sub(r'\1<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return repair_references(quote_raw_markup(text)).encode("utf-8", "surrogatepass")


def quote_raw_markup(xml: str) -> str:
    """Unescaped HTML in an item's description or content put in CDATA, where it belongs.

    feedparser's loose parser takes the tags of such HTML for feed elements and keeps a
    part of the text. Atom's ``type="xhtml"`` content is markup by right and stays.

    >>> quote_raw_markup("<item><description><p>One<br>two</p></description></item>")
    '<item><description><![CDATA[<p>One<br>two</p>]]></description></item>'
    """
    return RAW_MARKUP_ELEMENT.sub(_quoted, xml)


def _quoted(match: re.Match[str]) -> str:
    opening, body, closing = match.group(1), match.group(3), match.group(4)
    if XHTML_TYPE.search(opening) or "<![CDATA[" in body or "]]>" in body:
        return match.group(0)
    return f"{opening}<![CDATA[{body}]]>{closing}"


def repair_references(xml: str) -> str:
    """``&`` that starts no reference escaped, HTML's named entities as character references.

    feedparser's loose parser, where a strict parse fails on them, turns ``Q&A`` into
    ``Q&A;`` and drops ``&nbsp;``; repaired, most such feeds parse strictly. CDATA sections
    are text already and stay as they are.

    >>> repair_references("<t>Q&A &amp; caf&eacute;&nbsp;<![CDATA[a & b]]> &bogus;</t>")
    '<t>Q&amp;A &amp; caf&#233;&#160;<![CDATA[a & b]]> &amp;bogus;</t>'
    """
    parts = CDATA_SECTION.split(xml)
    for index in range(0, len(parts), 2):  # the even parts are outside CDATA
        parts[index] = REFERENCE.sub(_repaired_reference, BARE_AMPERSAND.sub("&amp;", parts[index]))
    return "".join(parts)


def _repaired_reference(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in XML_ENTITIES:
        return match.group(0)
    characters = html.entities.html5.get(f"{name};")
    if characters is None:
        return f"&amp;{name};"
    return "".join(f"&#{ord(c)};" for c in characters)


def _item(entry: Any, normalize: _Normalizer) -> FeedItem:
    title = _plain(entry, "title", normalize)
    body = _body(entry, normalize)
    if body.startswith(title) and title and body[len(title) : len(title) + 1] in ("", "\n"):
        body = body[len(title) :].lstrip()  # an item whose text repeats its title line
    return FeedItem(
        title=title,
        text=body,
        url=str(entry.get("link", "")),
        date=_iso_date(entry),
        author=_plain(entry, "author", normalize),
    )


def _body(entry: Any, normalize: _Normalizer) -> str:
    """The item's full content when it has one, else its description (summary)."""
    candidates = [*entry.get("content", []), entry.get("summary_detail")]
    for detail in candidates:
        if detail and detail.get("value", "").strip():
            text = _detail_text(detail, normalize)
            if text:
                return _without_marker(text)
    return ""


def _plain(entry: Any, key: str, normalize: _Normalizer) -> str:
    """A one-line field (a title, an author) as plain, normalized text."""
    detail = entry.get(f"{key}_detail")
    # An author's detail is a name and an e-mail address, not a text with a type.
    has_text = detail and "value" in detail
    value = _detail_text(detail, normalize) if has_text else str(entry.get(key, ""))
    return normalize(" ".join(value.split()))


def _detail_text(detail: Any, normalize: _Normalizer) -> str:
    value = str(detail.get("value", ""))
    return normalize(html_to_text(value) if _is_markup(detail, value) else value)


def _is_markup(detail: Any, value: str) -> bool:
    """HTML by its declared type, or by its tags: a loose parse of an ill-formed feed (raw
    HTML in an Atom ``content``) loses the type, and publishers put HTML in plain text."""
    return detail.get("type") in HTML_TYPES or bool(HTML_TAG.search(value))


def _without_marker(text: str) -> str:
    """The teaser without the "read more" link that ends it (as on digest pages)."""
    paragraphs = text.split(PARAGRAPH_BREAK)
    paragraphs[-1] = strip_marker(paragraphs[-1])
    return PARAGRAPH_BREAK.join(p for p in paragraphs if p.strip())


def html_to_text(fragment: str) -> str:
    """An HTML fragment as paragraphs of normalized text, one per block element or ``<br>``.

    >>> html_to_text("<p>One &amp; two</p><p>Three<br>four <script>x()</script></p>")
    'One & two\\n\\nThree\\nfour'
    """
    if "<" not in fragment:
        return normalize_whitespace(fragment)
    # lxml turns control characters into U+FFFD: remove them first, as normalizing would.
    fragment = CONTROLS.sub("", LINE_BREAKS.sub("\n", fragment))
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    text = normalize_whitespace("".join(_paragraph_pieces(root)))
    # libxml2 leaves out what lies deeper than it nests (256 levels): the words, at least.
    words = text_without_tags(fragment).split()
    if len(text.split()) < MIN_PARSED_SHARE * len(words):
        return " ".join(words)
    return text


def _paragraph_pieces(root: Any) -> Iterator[str]:
    """The text of ``root`` in document order, paragraph breaks around block elements.

    A stack rather than recursion: real feeds nest HTML deeper than Python recurses.
    """
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else ""  # comments: not text
        if closing or not tag or tag in SKIPPED_TAGS or tag == "br":
            if tag in BLOCK_TAGS and closing:
                yield PARAGRAPH_BREAK
            if tag == "br":
                yield "\n"
            if element.tail:
                yield _inline(element.tail)
            continue
        if tag in BLOCK_TAGS:
            yield PARAGRAPH_BREAK
        if element.text:
            yield _inline(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))


def _inline(text: str) -> str:
    return INLINE_SPACE.sub(" ", text.replace("\n", " "))


def _iso_date(entry: Any) -> str:
    """ISO 8601 (UTC) from pubDate/published, updated or dc:date; ``""`` if none parses."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed: time.struct_time | None = entry.get(key)
        if parsed:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    return ""
