"""A page's metadata from its lxml tree (title, author, date, site name, URL), as trafilatura
finds it: the HTML path's, apart from the plain-text line rules of ``metadata.py`` so that
plain text does not import trafilatura (a third of a plain-text run's start-up)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

from lxml.etree import Element
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
    find_date,
    normalize_authors,
)
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS

LOGGER = logging.getLogger(__name__)

# The tree metadata below is trafilatura's ``extract_metadata`` (trafilatura/metadata.py) with
# the same sources in the same order, minus what we do not keep (categories, tags, license:
# 2.4 ms/page on the readability pages), and with its author search done without copying
# and pruning the whole tree and without EXSLT regex XPaths over every element (4.9 ms/page,
# most of trafilatura's metadata time). tests/test_html_metadata.py checks that both give
# the same title, author, date, site name and URL.

# Elements that may match one of trafilatura's AUTHOR_XPATHS (trafilatura/xpaths.py): a class
# or id holding a literal its patterns need, or one of the rarer attributes they test. The
# tiers below decide; this only narrows the search, in one pass (a native XPath of the same
# tests takes 2.7 ms/page, its EXSLT regexes call back into Python for each element).
AUTHOR_HINT = re.compile(
    r"uthor|yline|screenname|writer|channel-name|zuozhe|bianji|xiaobian|submitted-by"
    r"|posted-by|journalist-name|^(?:username|byl|BBL)$"
)
AUTHOR_ATTRIBUTES = frozenset(["itemprop", "rel", "data-testid", "data-component"])
AUTHOR_TIER_1_TAGS = frozenset(["a", "address", "div", "link", "p", "span", "strong"])
AUTHOR_TIER_1_CLASS = re.compile(r"author-?name|AuthorName|authorName")
AUTHOR_TIER_2_TAGS = frozenset(["a", "div", "h3", "h4", "p", "span"])
AUTHOR_TIER_2_CLASSES = frozenset(["byline", "username", "byl", "BBL"])
AUTHOR_TIER_2_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
AUTHOR_TIER_2_CLASS = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
AUTHOR_TIER_3_ID = re.compile(r"[Aa]uthor")
AUTHOR_TIER_3_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
# trafilatura's AUTHOR_DISCARD_XPATHS: comments, sidebars, quotes, figures, dates.
DISCARD_TAGS = frozenset(["a", "div", "section", "span"])
DISCARD_ALWAYS = frozenset(["time", "figure"])
DISCARD_CLASSES = frozenset(["comments", "title", "date"])
DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    r"|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
AUTHOR_MAX_CHARS = 120


def _author_tier_1(element: HtmlElement) -> bool:
    if element.tag == "author":
        return True
    if element.tag not in AUTHOR_TIER_1_TAGS:
        return False
    get = element.get
    return (
        get("rel") == "author"
        or get("id") == "author"
        or get("class") == "author"
        or get("itemprop") == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or bool(AUTHOR_TIER_1_CLASS.search(get("class") or ""))
    )


def _author_tier_2(element: HtmlElement) -> bool:
    if element.tag not in AUTHOR_TIER_2_TAGS:
        return False
    get = element.get
    return (
        get("class") in AUTHOR_TIER_2_CLASSES
        or "author" in (get("itemprop") or "")
        or bool(AUTHOR_TIER_2_ID.search(get("id") or ""))
        or bool(AUTHOR_TIER_2_CLASS.search(get("class") or ""))
    )


def _author_tier_3(element: HtmlElement) -> bool:
    get = element.get
    return (
        "Byline" in (get("data-component") or "")
        or "author" in (get("itemprop") or "")
        or bool(AUTHOR_TIER_3_ID.search(get("id") or ""))
        or bool(AUTHOR_TIER_3_CLASS.search(get("class") or ""))
    )


AUTHOR_TIERS = (_author_tier_1, _author_tier_2, _author_tier_3)


def _discarded(element: HtmlElement) -> bool:
    """Whether trafilatura's author search prunes ``element`` before it looks."""
    tag = element.tag
    if tag in DISCARD_ALWAYS:
        return True
    if tag not in DISCARD_TAGS:
        return False
    get = element.get
    ident, classes = get("id") or "", get("class") or ""
    return (
        ident == "comments"
        or classes in DISCARD_CLASSES
        or bool(DISCARD_ID.search(ident))
        or bool(DISCARD_CLASS.search(classes))
        or "Figure" in (get("data-component") or "")
    )


def _author_text(element: HtmlElement) -> str:
    """The element's text as trafilatura reads it from its pruned copy of the page."""
    if any(_discarded(child) for child in element.iterdescendants() if isinstance(child.tag, str)):
        element = prune_unwanted_nodes(deepcopy(element), AUTHOR_DISCARD_XPATHS)
    return str(trim(" ".join(element.itertext())))


def _author_candidates(tree: HtmlElement) -> Iterator[HtmlElement]:
    for element in tree.iter(Element):
        classes, ident = element.get("class"), element.get("id")
        if (
            (classes and AUTHOR_HINT.search(classes))
            or (ident and AUTHOR_HINT.search(ident))
            or element.tag == "author"
            or not AUTHOR_ATTRIBUTES.isdisjoint(element.keys())
        ):
            yield element


def find_author(tree: HtmlElement) -> str | None:
    """The page's author from its markup (a byline element), as trafilatura's
    ``extract_author`` finds it: the first element of the first tier that holds one."""
    candidates = [
        element
        for element in _author_candidates(tree)
        if not any(_discarded(a) for a in [element, *element.iterancestors()])
    ]
    for tier in AUTHOR_TIERS:
        for element in candidates:
            if tier(element):
                content = _author_text(element)
                if content and 2 < len(content) < AUTHOR_MAX_CHARS:
                    return normalize_authors(None, content)
    return None


def tree_metadata(tree: HtmlElement, date_params: dict[str, Any]) -> Any:
    """Title, author, date, site name and URL of a page: a trafilatura ``Document``."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:  # a user name, not a byline
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as error:  # trafilatura's JSON-LD reader raises on odd JSON
        LOGGER.debug("JSON-LD metadata: %s", error)
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or find_author(tree)
    metadata.url = metadata.url or extract_url(tree, None)
    metadata.date = find_date(tree, **{**date_params, "url": metadata.url})
    metadata.sitename = _sitename(metadata.sitename or extract_sitename(tree), metadata.url)
    metadata.clean_and_trim()
    return metadata


def _sitename(name: str | None, url: str | None) -> str | None:
    """trafilatura's tidying of a site name: no Twitter "@", capitalized; else the URL's host."""
    if name:
        name = name.lstrip("@")
        if name and "." not in name and not name[0].isupper():
            name = name.title()
        return name
    match = META_URL.match(url) if url else None
    return match[1] if match else None
