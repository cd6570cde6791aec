"""HTML pages: the article through trafilatura, listings (digest pages) through bs4.

trafilatura leads the public article-extraction benchmarks and ours (benchmarks/
bench_extract.py), but it keeps one story of a listing page and drops the item boundaries.
A listing is found in the page structure instead: a container whose repeated children each
hold a linked title and a teaser.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import trafilatura
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning

from ..digest import MIN_TEASER_WORDS, strip_marker

LOGGER = logging.getLogger(__name__)
# Regions that hold a site's navigation, never its stories.
CHROME_TAGS = ("nav", "header", "footer", "aside", "form", "script", "style", "noscript")
CHROME_HINT = re.compile(
    r"\b(?:nav|menu|footer|header|sidebar|breadcrumb|cookie|share|social|related)", re.I
)
BLOCK_TAGS = ("p", "li", "td", "blockquote", "pre", "dd", "h1", "h2", "h3")
ITEM_TAGS = ("li", "article", "div", "section", "tr", "dd")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
DATE_PARAMS = {"extensive_search": False, "original_date": True}
SENTENCE_PUNCTUATION = re.compile(r"[.!?。！？]")
MIN_ARTICLE_WORDS = 8
MIN_ARTICLE_CHARS = 20  # unspaced scripts: 20 characters of Chinese are a sentence
# On listing pages the items are about all of the main text (0.98-1.09 measured); a box of
# three related stories under an article is a quarter of it or less.
LISTING_SHARE = 0.5
MIN_TITLE_WORDS = 2
MAX_TITLE_WORDS = 40


@dataclass
class ListingItem:
    title: str
    teaser: str
    url: str


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
    page = _article(html)
    with warnings.catch_warnings():
        # bs4 warns on stderr about XML (an RSS feed) or a page that looks like a file
        # name; the page is parsed as HTML all the same, as intended.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "lxml")
    page.url = page.url or _canonical_url(soup)
    if not page.text:
        page.text = _fallback_text(soup)
    items = _find_listing(soup, page.url)
    if len(items) >= min_items and _is_mostly_listing(items, page.text):
        page.items = items
        page.intro = _listing_intro(soup, items, page.title)
    return page


def page_text(page: HtmlPage) -> str:
    """The text of a page: its article, or for a listing its introduction, then each item's
    title and teaser, blank lines between (where ``digest.locate_stories`` finds them)."""
    if not page.items:
        return page.text
    blocks = [page.intro] if page.intro else []
    for item in page.items:
        blocks += [item.title, item.teaser]
    return "\n\n".join(blocks)


def _is_mostly_listing(items: list[ListingItem], article: str) -> bool:
    """A listing page, not an article with a box of related stories in its body."""
    listed = sum(len(item.title) + len(item.teaser) for item in items)
    return not article or listed >= LISTING_SHARE * len(article)


def _article(html: str) -> HtmlPage:
    document = _trafilatura(trafilatura.bare_extraction, html)
    if document is None:  # no article: the page's metadata still describes it
        document = _trafilatura(trafilatura.extract_metadata, html)
    if document is None:
        return HtmlPage()
    title = (document.title or "").strip()
    paragraphs = [line.strip() for line in (getattr(document, "text", "") or "").split("\n")]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    if not any(_is_substantive(p) for p in paragraphs):
        paragraphs = []  # menus and link lists: the page has no article
    return HtmlPage(
        text="\n\n".join(paragraphs),
        title=title,
        date=document.date or "",
        author=document.author or "",
        publisher=document.sitename or "",
        url=document.url or "",
    )


def _trafilatura(function: Any, html: str) -> Any:
    """``bare_extraction`` or ``extract_metadata`` with our settings; ``None`` if it fails."""
    options: dict[str, Any] = {"date_config": DATE_PARAMS}
    if function is trafilatura.bare_extraction:
        options = {
            "with_metadata": True,
            "include_comments": False,
            "include_tables": True,
            # Measured on benchmarks/bench_extract.py: sidebars stay out, nothing is lost.
            "favor_precision": True,
            # Dates from the page's own metadata only: the extensive search guesses
            # "2021-01-01" from a "/2021/" in some link of a listing page.
            "date_extraction_params": DATE_PARAMS,
        }
    try:
        return function(html, **options)
    except Exception as error:  # trafilatura raises assorted errors on broken markup
        LOGGER.debug("trafilatura failed: %s", error)
        return None


def _is_substantive(paragraph: str) -> bool:
    """A sentence of some length, in spaced or unspaced scripts; not a menu entry."""
    long_enough = len(paragraph.split()) >= MIN_ARTICLE_WORDS or (
        len(paragraph) >= MIN_ARTICLE_CHARS and " " not in paragraph
    )
    return long_enough and bool(SENTENCE_PUNCTUATION.search(paragraph))


def _fallback_text(soup: BeautifulSoup) -> str:
    """The page's own paragraphs, when trafilatura gives up (it does on very deep trees)."""
    blocks = []
    for tag in soup.find_all(BLOCK_TAGS):
        if tag.find(BLOCK_TAGS) is None and not _in_chrome(tag):
            text = _text(tag)
            if _is_substantive(text):
                blocks.append(text)
    return "\n\n".join(blocks)


def _canonical_url(soup: BeautifulSoup) -> str:
    link = soup.find("link", rel="canonical")
    if isinstance(link, Tag) and link.get("href"):
        return str(link["href"])
    meta = soup.find("meta", property="og:url")
    return str(meta["content"]) if isinstance(meta, Tag) and meta.get("content") else ""


def _in_chrome(tag: Tag) -> bool:
    for parent in [tag, *tag.parents]:
        if not isinstance(parent, Tag):
            continue
        if parent.name in CHROME_TAGS:
            return True
        hint = f"{_classes(parent)} {parent.get('id') or ''}".strip()
        if hint and CHROME_HINT.search(hint):
            return True
    return False


def _find_listing(soup: BeautifulSoup, base_url: str) -> list[ListingItem]:
    """The largest run of sibling blocks that each read as title + teaser."""
    best: list[ListingItem] = []
    for container in soup.find_all(True):
        groups: dict[tuple[str, str], list[Tag]] = defaultdict(list)
        for child in container.children:
            if isinstance(child, Tag) and child.name in ITEM_TAGS:
                groups[(child.name, _classes(child))].append(child)
        # Cheap tests first: most elements have no two like children, or sit in navigation.
        repeated = [c for c in groups.values() if len(c) >= 2 and len(c) > len(best)]
        if not repeated or _in_chrome(container):
            continue
        for children in repeated:
            items = [item for child in children if (item := _listing_item(child, base_url))]
            # Most of the siblings must be items: one teaser among a menu is not a listing.
            if len(items) > len(best) and len(items) * 2 > len(children):
                best = items
    return best


def _listing_item(block: Tag, base_url: str) -> ListingItem | None:
    title_tag, url = _item_title(block)
    if title_tag is None:
        return None
    title = _text(title_tag)
    if not MIN_TITLE_WORDS <= len(title.split()) <= MAX_TITLE_WORDS:
        return None
    teaser = _teaser(block, title_tag)
    if len(teaser.split()) < MIN_TEASER_WORDS:
        return None
    return ListingItem(title, teaser, urljoin(base_url, url) if url else "")


def _item_title(block: Tag) -> tuple[Tag | None, str]:
    """A heading (its link, if any), else the first link that is not a "more" link."""
    heading = block.find(HEADINGS)
    if isinstance(heading, Tag):
        link = heading.find("a", href=True)
        return heading, str(link["href"]) if isinstance(link, Tag) else _marker_href(block)
    for link in block.find_all("a", href=True):
        if strip_marker(_text(link)):
            return link, str(link["href"])
    return None, ""


def _marker_href(block: Tag) -> str:
    for link in block.find_all("a", href=True):
        if not strip_marker(_text(link)):
            return str(link["href"])
    return ""


def _teaser(block: Tag, title_tag: Tag) -> str:
    """The block's text without its title and its "more" links, paragraphs kept apart."""
    parts: list[str] = []
    for node in block.find_all(string=True):
        parent = node.parent
        if node.find_parent(lambda t: t is title_tag) or (parent and parent.name in CHROME_TAGS):
            continue
        link = node.find_parent("a")
        if link is not None and not strip_marker(_text(link)):
            continue
        parts.append(str(node))
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(parts))
    paragraphs = [strip_marker(p.strip()) for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _listing_intro(soup: BeautifulSoup, items: list[ListingItem], title: str) -> str:
    """Paragraphs of the page before its first story (outside navigation), but its title."""
    first = items[0].title
    intro: list[str] = []
    for paragraph in soup.find_all(["p", *HEADINGS]):
        text = _text(paragraph)
        if text in (first, items[0].teaser):
            break
        in_item = paragraph.find_parent(ITEM_TAGS[:2]) is not None
        if text and text != title and not in_item and not _in_chrome(paragraph):
            intro.append(text)
    return "\n\n".join(intro)


def _classes(tag: Tag) -> str:
    """The tag's class attribute as one string (bs4 gives a list, a string or nothing)."""
    value = tag.get("class")
    return " ".join(value) if isinstance(value, list) else str(value or "")


def _text(tag: Tag) -> str:
    return re.sub(r"\s+", " ", tag.get_text(" ")).strip()
