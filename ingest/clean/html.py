"""HTML pages: the article through trafilatura, listings (digest pages) in the same tree.

trafilatura leads the article-extraction benchmarks and ours (benchmarks/bench_extract.py):
its article is the record's text. Each page is parsed once, by trafilatura's loader; the
tree goes to trafilatura's extraction (which works on a copy) and to the listing search
(``listing.py``). beautifulsoup4 reads the pages lxml cannot parse or trafilatura gives up on
(very deep trees).
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import trafilatura
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from .listing import ListingItem, element_text, find_listing, in_chrome
from .page_metadata import tree_metadata

LOGGER = logging.getLogger(__name__)
# Dates from the page's own metadata only: the extensive search guesses "2021-01-01" from a
# "/2021/" in some link of a listing page.
DATE_PARAMS = {"extensive_search": False, "original_date": True}
# Chosen on benchmarks/bench_extract.py (readability pages, 4-gram F1): default precision
# (favor_precision loses 0.002 there), tables in (+0.008), comments out (+0.001).
# The metadata comes from ``page_metadata.tree_metadata`` (the same as trafilatura's, faster).
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "with_metadata": False,
    "include_comments": False,
    "include_tables": True,
    "favor_precision": False,
}
# Measured on benchmarks/bench_extract.py: +0.010 F1 on the readability pages (4 pages gain,
# none loses); trafilatura keeps such elements.
MAYBE_HIDDEN = XPath("//*[@hidden or @aria-hidden='true' or @style]")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# trafilatura's result tree: the elements its text starts on a line of their own (xml.py's
# NEWLINE_ELEMS, with list items, table cells and code, which it lays out on lines too), and
# those whose text it keeps as it is.
LINE_TAGS = frozenset(
    ["graphic", "head", "lb", "list", "p", "quote", "row", "table", "item", "cell", "code"]
)
VERBATIM = ("code", "pre")
STYLES = XPath("//@style")  # (the values, each with its element: getparent())
PRESERVED_LINES = re.compile(r"white-space\s*:\s*(?:pre|break-spaces)", re.I)
BREAK_RUN = re.compile(r"\s*\n\s*")
TEXT_EDGES = re.compile(r"(\s*)(.*?)(\s*)", re.S)
MIN_REPEAT_CHARS = 50  # trafilatura's MIN_DUPLICATE_LENGTH: it keeps shorter repeats
# Blocks whose copies trafilatura's text gives as paragraphs (headings are short).
REPEAT_TAGS = ("p", "div", "li", "blockquote", "pre", "td", "dd", "section", "article")
FALLBACK_TAGS = ("p", "li", "td", "blockquote", "pre", "dd", "h1", "h2", "h3")
FALLBACK_CHROME = ("nav", "header", "footer", "aside", "form", "script", "style", "noscript")
FALLBACK_HINT = re.compile(r"\b(?:nav|menu|footer|header|sidebar|breadcrumb|cookie)", re.I)
INTRO_TAGS = frozenset(["p", "h1", "h2", "h3", "h4", "h5", "h6"])
SENTENCE_PUNCTUATION = re.compile(r"[.!?。！？]")
MIN_FALLBACK_WORDS = 8
MIN_FALLBACK_CHARS = 20  # unspaced scripts: 20 characters of Chinese are a sentence
# A menu: only short lines, each the text of a link (a sitemap, a page of links).
MENU_LINE_WORDS = 3
MIN_MENU_LINES = 3


@dataclass
class HtmlPage:
    """What was taken out of one HTML page."""

    text: str = ""
    title: str = ""
    date: str = ""
    author: str = ""
    publisher: str = ""
    url: str = ""
    intro: str = ""
    items: list[ListingItem] = field(default_factory=list)


def extract_html(html: str, min_items: int = 2) -> HtmlPage:
    """The article text and metadata of ``html``; its items when it is a listing page."""
    tree = _parse(html)
    page, is_menu = _article(tree) if tree is not None else (HtmlPage(), False)
    if not page.text and not is_menu:  # a page of links has no article
        page.text = _fallback_text(html)
    if tree is None:
        return page
    page.url = page.url or _canonical_url(tree)
    listing = find_listing(tree, page.text, page.url, min_items)
    if listing is not None:
        page.items = listing.items
        page.intro = _listing_intro(tree, listing.container, page.title)
    return page


def page_text(page: HtmlPage) -> str:
    """The text of a page: its article, or for a listing its introduction, then each item's
    title and teaser, blank lines between (where ``digest.locate_stories`` finds them)."""
    if not page.items:
        return page.text
    blocks = [page.intro] if page.intro else []
    for item in page.items:
        blocks += [item.title, item.teaser] if item.teaser else [item.title]
    return "\n\n".join(blocks)


def _parse(html: str) -> HtmlElement | None:
    try:
        tree = load_html(html)
    except Exception as error:  # lxml raises assorted errors on broken markup
        LOGGER.debug("lxml cannot parse the page: %s", error)
        return None
    if tree is not None:
        _drop_hidden(tree)
    return tree


def _drop_hidden(tree: HtmlElement) -> None:
    """Elements a browser does not show (their tails are text outside them and stay)."""
    for element in MAYBE_HIDDEN(tree):
        if _is_hidden(element) and element.getparent() is not None:
            element.drop_tree()


def _is_hidden(element: HtmlElement) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    return bool(HIDDEN_STYLE.search(element.get("style") or ""))


def _article(tree: HtmlElement) -> tuple[HtmlPage, bool]:
    """The page's article and metadata, and whether trafilatura's text is only a menu."""
    # Each step may fail on its own: an article without metadata, or metadata without one.
    metadata = _trafilatura(tree_metadata, tree, date_params=DATE_PARAMS)
    url = _field(metadata, "url") or None
    document = _trafilatura(trafilatura.bare_extraction, tree, url=url, **TRAFILATURA_OPTIONS)
    title = _field(metadata, "title")
    # a menu is told by its lines as trafilatura gives them: one link each
    paragraphs = _lines(_field(document, "text"))
    is_menu = bool(paragraphs) and _is_menu(_without_title(paragraphs, title), tree)
    if is_menu:
        paragraphs = []
    elif (body := getattr(document, "body", None)) is not None and _join_source_lines(body, tree):
        paragraphs = _lines(xmltotxt(body, False))
    # the copies first: a paragraph the page repeats may also be its title
    paragraphs = _without_title(_with_page_repeats(paragraphs, tree), title)
    page = HtmlPage(
        text="\n\n".join(paragraphs),
        title=title,
        date=_field(metadata, "date"),
        author=_field(metadata, "author"),
        publisher=_field(metadata, "sitename"),
        url=_field(metadata, "url"),
    )
    return page, is_menu


def _lines(text: str) -> list[str]:
    return [line for line in (line.strip() for line in text.split("\n")) if line]


def _without_title(paragraphs: list[str], title: str) -> list[str]:
    """``paragraphs`` but a first one that is the title (it is ``metadata.title``)."""
    if paragraphs and title and paragraphs[0] == title:
        return paragraphs[1:]
    return paragraphs


def _lines_kept_by_style(tree: HtmlElement) -> frozenset[str]:
    """The lines of the text the page shows with its line breaks as they are (``white-space:
    pre``, ``pre-wrap``, ``pre-line``, ``break-spaces``: a poem, an address); trafilatura's
    tree has lost which element a text came from, so a text made only of such lines keeps
    its breaks."""
    lines: set[str] = set()
    for style in STYLES(tree):
        if PRESERVED_LINES.search(style):
            lines.update(line.strip() for line in style.getparent().text_content().split("\n"))
    lines.discard("")
    return frozenset(lines)


def _join_source_lines(body: Any, tree: HtmlElement) -> bool:
    """Turn the line breaks of the page's source inside text into spaces; whether any was.

    trafilatura's text keeps them (a ``<div>``'s text wrapped over lines in the source, a
    list item's text on the line after its tag), and each becomes a paragraph of the record;
    a browser shows them as spaces. Lines break at ``<br>`` (trafilatura's ``<lb>``), at
    blocks, and inside ``<pre>``/``<code>``; a break before a block or at the end of an
    element stays, as trafilatura's text uses it to start the next line; and so do the
    breaks of a text made only of lines the page (``tree``) styles to keep.
    """
    verbatim = {element for code in body.iter(VERBATIM) for element in code.iter()}
    # looked up only for a page whose text has a line break (most have none)
    kept = functools.cache(functools.partial(_lines_kept_by_style, tree))
    changed = False
    for element in body.iter():
        # most text has no line break: the test first, in C
        text = element.text
        if text and "\n" in text and element not in verbatim and not _all_kept(text, kept()):
            following = next(iter(element), None)  # not len(): lxml counts the children
            element.text = _spaced(text, keep_start=False, keep_end=_starts_line(following))
            changed |= element.text != text
        tail = element.tail
        if (
            tail
            and "\n" in tail
            and element.getparent() not in verbatim
            and not _all_kept(tail, kept())
        ):
            following = element.getnext()
            element.tail = _spaced(tail, element.tag in LINE_TAGS, _starts_line(following))
            changed |= element.tail != tail
    return changed


def _all_kept(text: str, kept: frozenset[str]) -> bool:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return bool(kept) and bool(lines) and all(line in kept for line in lines)


def _starts_line(element: Any) -> bool:
    return element is None or element.tag in LINE_TAGS


def _spaced(text: str, keep_start: bool, keep_end: bool) -> str:
    """``text`` with each line break of the source one space, but those at its ends when
    ``keep_start`` or ``keep_end``."""
    match = TEXT_EDGES.fullmatch(text)
    if match is None:  # the pattern matches any string
        return text
    start, core, end = match.groups()
    if _is_source_break(start) and not keep_start:
        start = " "
    if _is_source_break(end) and not keep_end:
        end = " "
    core = BREAK_RUN.sub(lambda run: " " if _is_source_break(run[0]) else run[0], core)
    return start + core + end


def _is_source_break(run: str) -> bool:
    # trafilatura's fallbacks join the pieces of text they find with a bare "\n"; a break of
    # the page's source comes with the source's indentation or trailing spaces
    return "\n" in run and run.strip("\n") != ""


def _with_page_repeats(paragraphs: list[str], tree: HtmlElement) -> list[str]:
    """``paragraphs`` with each long one as many times as the page repeats it.

    trafilatura drops a paragraph of more than 50 characters that repeats the one before it,
    to undo its own overlapping candidates; the copies of a paragraph that the page itself
    repeats in one place, in sibling blocks of one kind (tag and class), are lost with them.
    They come back after the paragraph's last occurrence.
    """
    missing = _missing_copies(paragraphs, tree)
    if not missing:
        return paragraphs
    last = {paragraph: index for index, paragraph in enumerate(paragraphs)}
    restored: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        restored.append(paragraph)
        if last[paragraph] == index:
            restored += [paragraph] * missing.get(paragraph, 0)
    return restored


def _missing_copies(paragraphs: list[str], tree: HtmlElement) -> dict[str, int]:
    """How many copies of each long paragraph the page has in one place that ``paragraphs``
    lack."""
    counts = Counter(p for p in paragraphs if len(p) > MIN_REPEAT_CHARS)
    if not counts:
        return {}
    # the paragraphs that start with a block's start are a run of the sorted paragraphs (a
    # search per group, not a comparison per pair: pages of thousands of paragraphs that
    # start alike)
    ordered = sorted(counts)
    missing: dict[str, int] = {}
    for start, blocks in _repeated_starts(tree):
        held = _starting_with(ordered, start)
        for paragraph, (copies, place) in _copies_in_one_place(blocks, held).items():
            if copies > counts[paragraph] and _is_the_articles(
                place, paragraph, copies, paragraphs, tree
            ):
                missing[paragraph] = copies - counts[paragraph]
    return missing


def _is_the_articles(
    place: HtmlElement, paragraph: str, copies: int, paragraphs: list[str], tree: HtmlElement
) -> bool:
    """Whether the copies' parent is where trafilatura took ``paragraph`` from, and not a
    sidebar's list repeating a quote the article has once (in a block that starts with an
    inline element, which the search of starts does not see): it holds a paragraph next to
    it in trafilatura's text; with none next to it, the page has no copy elsewhere."""
    neighbours = {
        paragraphs[index + step]
        for index, found in enumerate(paragraphs)
        if found == paragraph
        for step in (-1, 1)
        if 0 <= index + step < len(paragraphs) and paragraphs[index + step] != paragraph
    }
    if neighbours:
        around = element_text(place)
        return any(neighbour in around for neighbour in neighbours)
    return element_text(_body(tree)).count(paragraph) == copies


def _body(tree: HtmlElement) -> HtmlElement:
    body = tree.find(".//body")
    return body if body is not None else tree


def _starting_with(ordered: list[str], start: str) -> set[str]:
    """The strings of the sorted ``ordered`` that start with ``start``."""
    found = set()
    for index in range(bisect_left(ordered, start), len(ordered)):
        if not ordered[index].startswith(start):
            break
        found.add(ordered[index])
    return found


def _repeated_starts(tree: HtmlElement) -> Iterator[tuple[str, list[HtmlElement]]]:
    """Blocks that start with the same long text, by that text (nearly all pages: none)."""
    starts: dict[str, list[HtmlElement]] = {}
    for block in tree.iter(REPEAT_TAGS):
        text = block.text
        if text is not None and len(text) > MIN_REPEAT_CHARS:
            # spaces made one only where the source wraps or pads the text (nearly no block)
            start = " ".join(text.split()) if "\n" in text or "  " in text else text.strip()
            if len(start) > MIN_REPEAT_CHARS:
                starts.setdefault(start, []).append(block)
    return ((start, blocks) for start, blocks in starts.items() if len(blocks) > 1)


def _copies_in_one_place(
    blocks: list[HtmlElement], paragraphs: set[str]
) -> dict[str, tuple[int, HtmlElement]]:
    """For each of ``paragraphs`` that is the whole text of some of ``blocks``: how many of
    them there are, and their parent, when they are all siblings of one tag and class (a
    wrapper holding a block alone counts as the block); a paragraph whose copies sit in two
    places (the article and a sidebar, a paragraph and a list) is left out: which copy
    trafilatura took is not known."""
    if not paragraphs:
        return {}
    places: dict[str, set[tuple[Any, str, str]]] = {}
    copies: Counter[str] = Counter()
    seen: set[HtmlElement] = set()
    for block in blocks:
        text = element_text(block)
        if text not in paragraphs:
            continue
        while (wrapper := block.getparent()) is not None and _only_child(block, wrapper):
            block = wrapper
        if block not in seen:
            seen.add(block)
            places.setdefault(text, set()).add(
                (block.getparent(), block.tag, block.get("class") or "")
            )
            copies[text] += 1
    return {
        text: (copies[text], next(iter(kinds))[0])
        for text, kinds in places.items()
        if len(kinds) == 1
    }


def _only_child(element: HtmlElement, parent: HtmlElement) -> bool:
    # not len(parent): lxml counts the children one by one
    alone = element.getprevious() is None and element.getnext() is None
    return alone and not (parent.text or "").strip() and not (element.tail or "").strip()


def _field(document: Any, name: str) -> str:
    """A text field of a trafilatura ``Document``; ``""`` when missing or no document."""
    return str(getattr(document, name, None) or "").strip()


def _trafilatura(function: Any, tree: HtmlElement, **options: Any) -> Any:
    """A trafilatura function on ``tree`` (it leaves it as it was); ``None`` if it fails."""
    try:
        return function(tree, **options)
    except Exception as error:  # trafilatura raises assorted errors on broken markup
        LOGGER.debug("trafilatura failed: %s", error)
        return None


def _is_menu(lines: list[str], tree: HtmlElement) -> bool:
    if len(lines) < MIN_MENU_LINES or any(len(line.split()) > MENU_LINE_WORDS for line in lines):
        return False
    links = {element_text(a) for a in tree.iter("a")}
    return all(line in links for line in lines)


def _fallback_text(html: str) -> str:
    """The page's own paragraphs, when trafilatura gives up (it does on very deep trees)."""
    with warnings.catch_warnings():
        # bs4 warns on stderr about XML (an RSS feed) or a page that looks like a file
        # name; the page is parsed as HTML all the same, as intended.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "lxml")
    blocks = []
    for tag in soup.find_all(FALLBACK_TAGS):
        if tag.find(FALLBACK_TAGS) is None and not _in_fallback_chrome(tag):
            text = " ".join(tag.get_text(" ").split())
            if _is_sentence(text):
                blocks.append(text)
    return "\n\n".join(blocks)


def _is_sentence(paragraph: str) -> bool:
    """A sentence of some length, in spaced or unspaced scripts; not a menu entry."""
    long_enough = len(paragraph.split()) >= MIN_FALLBACK_WORDS or (
        len(paragraph) >= MIN_FALLBACK_CHARS and " " not in paragraph
    )
    return long_enough and bool(SENTENCE_PUNCTUATION.search(paragraph))


def _in_fallback_chrome(tag: Tag) -> bool:
    for parent in [tag, *tag.parents]:
        if not isinstance(parent, Tag):
            continue
        if parent.name in FALLBACK_CHROME:
            return True
        classes = parent.get("class")
        hint = f"{' '.join(classes) if isinstance(classes, list) else classes or ''} "
        hint += str(parent.get("id") or "")
        if hint.strip() and FALLBACK_HINT.search(hint):
            return True
    return False


def _canonical_url(tree: HtmlElement) -> str:
    for href in tree.xpath("//link[@rel='canonical']/@href|//meta[@property='og:url']/@content"):
        if str(href).strip():
            return str(href).strip()
    return ""


def _listing_intro(tree: HtmlElement, container: HtmlElement, title: str) -> str:
    """Paragraphs of the page before the listing (outside navigation), but its title."""
    intro: list[str] = []
    for element in tree.iter():
        if element is container:
            break
        if element.tag in INTRO_TAGS and not in_chrome(element):
            text = element_text(element)
            if text and text != title:
                intro.append(text)
    return "\n\n".join(intro)
