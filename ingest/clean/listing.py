"""Listing (digest) pages in the lxml tree trafilatura parses: repeated story blocks.

trafilatura keeps one story of a listing page, or a run of its teasers without their
boundaries. A listing is found in the page's structure instead, and only on strong evidence,
since most pages are articles and an article wrongly cut into "stories" is worse than a
listing kept whole:

- its items are sibling blocks of one shape (same tag and class), most of which start with
  a linked title of a few words that is not a date;
- no item holds most of the listing (a page region is not a story);
- it sits outside navigation and the widgets beside an article (comments, related, popular,
  tags, archives, promos, sidebars);
- it is the page's main content: trafilatura's article lies mostly inside it (with at most
  two paragraphs of prose outside, and no single item holding that article), or, when
  trafilatura found no article, it is most of the page's visible text.

Once a container is judged a listing, every item of it is kept, whatever its teaser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml.html import HtmlElement

from ..digest import SENTENCE_END, strip_marker

# Regions that hold a site's navigation or the widgets around a story, never its stories.
CHROME_TAGS = frozenset(["nav", "header", "footer", "aside", "form", "menu"])
# Three walks take text out of a page here, each with what it needs: _teaser_pieces (an item's
# teaser, in paragraphs: BLOCK_TAGS), _text_before (the words above an item's title) and
# text_outside_chrome (how much text the page has). feed.py walks an item's HTML fragment with
# tag lists of its own: a feed's HTML is the story's body (embeds and forms are the noise
# there), a page's holds the site's widgets (icons' svg titles, select menus, templates).
SKIPPED_TAGS = frozenset(["script", "style", "noscript", "template", "svg", "button", "select"])
CHROME_HINT = re.compile(
    r"menu|footer|header|sidebar|breadcrumb|cookie|share|social|related|comment|reply|"
    r"respond|discuss|promo|sponsor|advert|popular|trending|most-?read|recommend|archive|"
    r"widget|newsletter|subscribe|banner|pagination|pager|"
    # short words only as words of their own: "nav" is in "canvas", "tag" in "vintage"
    r"(?<![a-z])(?:nav|navbar|tags?|rail|ads?|toc)(?![a-z])",
    re.I,
)
ITEM_TAGS = frozenset(["li", "article", "div", "section", "tr", "dd"])
HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
BLOCK_TAGS = frozenset(
    ["p", "div", "li", "br", "tr", "td", "dd", "dt", "blockquote", "section", "article", *HEADINGS]
)
# Comment lists link each comment's date; archive widgets link months.
DATE_LIKE = re.compile(
    r"^[\W\d_]*(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
    r"nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s*\d{0,4}|\d{1,2}\s+(?:jan|feb|mar|apr|"
    r"may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s*\d{0,4}|(?:jan|feb|mar|apr|may|jun|jul|"
    r"aug|sep|oct|nov|dec)[a-z]*\s+\d{4})\b",
    re.I,
)
MIN_TITLE_WORDS = 3  # headlines; tag clouds and menus hold one or two words
MIN_TITLE_CHARS = 6  # unspaced scripts
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
MAX_TITLE_WORDS = 40
MAX_WORDS_BEFORE_TITLE = 6  # a date or a section label above the headline
# Most siblings of the shape must be stories: one teaser among menu entries is no listing.
MIN_ITEM_SHARE = 2 / 3
# A story is a part of a listing: an item holding this much of it is a page region.
MAX_ITEM_SHARE = 0.5
MAX_ITEM_SHARE_OF_TWO = 2 / 3
# The listing is the main content when it holds this share of the word trigrams of
# trafilatura's article (which on a listing page is a run of its teasers), or of the page's
# visible text when there is no article. Measured: the listings of bench_split.py 0.61-0.99;
# the readability pages' candidates 0.20 or less, but two (1.00: an item that is the whole
# article, 0.64: an article with a stream of teasers under it), which the rules below catch.
MIN_ARTICLE_COVERED = 0.5
MIN_PAGE_COVERED = 0.5
MIN_ARTICLE_CHARS = 200
WORD = re.compile(r"[\u3400-\u9fff]|\w+")
# An article the listing does not hold: a story with a stream of teasers under it is no
# listing page, whatever share of the text the stream has.
MAX_PROSE_OUTSIDE = 2
PROSE_WORDS = 12  # word trigrams; each Han character is a word


Gram = tuple[str, ...]


@dataclass
class ListingItem:
    title: str
    teaser: str
    url: str


@dataclass
class Listing:
    container: HtmlElement
    items: list[ListingItem]


def find_listing(
    tree: HtmlElement, article: str, base_url: str, min_items: int = 2
) -> Listing | None:
    """The page's listing of stories, or ``None`` when the page is not a listing."""
    candidates = sorted(_candidates(tree, base_url, min_items), key=lambda c: -len(c.items))
    if not candidates:
        return None
    if len(article) < MIN_ARTICLE_CHARS:
        page_chars = len(text_outside_chrome(tree))
        return next((c for c in candidates if _is_most_of_page(c, page_chars)), None)
    paragraphs = [p.strip() for p in article.split("\n") if p.strip()]
    grams = [_trigrams(p) for p in paragraphs]
    return next((c for c in candidates if _holds_article(c, paragraphs, grams)), None)


def _candidates(tree: HtmlElement, base_url: str, min_items: int) -> Iterator[Listing]:
    known: dict[HtmlElement, bool] = {}
    for container, group in _groups(tree, min_items):
        if in_chrome(container, known):
            continue
        items = _items(group, base_url)
        if len(items) >= min_items:
            yield Listing(container, items)


def _groups(tree: HtmlElement, min_items: int) -> Iterator[tuple[HtmlElement, list[HtmlElement]]]:
    """Each element's largest run of children of one shape (tag and class), in one pass over
    the item tags only (the tree's other elements cost nothing)."""
    parents: dict[int, HtmlElement] = {}  # keeps the proxies alive, so that ids stay unique
    shapes: dict[int, dict[tuple[str, str], list[HtmlElement]]] = {}
    for element in tree.iter(*ITEM_TAGS):
        parent = element.getparent()
        if parent is None:
            continue
        parents.setdefault(id(parent), parent)
        shape = (element.tag, element.get("class") or "")
        shapes.setdefault(id(parent), {}).setdefault(shape, []).append(element)
    for key, groups in shapes.items():
        largest = max(groups.values(), key=len)
        if len(largest) >= min_items:
            yield parents[key], largest


def _items(group: list[HtmlElement], base_url: str) -> list[ListingItem]:
    """Every story of the group, or ``[]`` when the group does not read as a listing."""
    # Titles first: most groups (menus, link lists, paragraphs) fail on them, and teasers
    # cost more to read.
    titled = [(block, *found) for block in group if (found := _title(block))]
    if len(titled) < MIN_ITEM_SHARE * len(group):
        return []
    titles = [title for _, _, title, _ in titled]
    if len(set(titles)) < len(titles) or not _titles_are_headlines(titles):
        return []
    stories = [
        ListingItem(title, _teaser(block, element), urljoin(base_url, url))
        for block, element, title, url in titled
    ]
    sizes = [len(story.title) + len(story.teaser) for story in stories]
    limit = MAX_ITEM_SHARE_OF_TWO if len(stories) == 2 else MAX_ITEM_SHARE
    return stories if max(sizes) <= limit * sum(sizes) else []


def _titles_are_headlines(titles: list[str]) -> bool:
    """Headlines, by the median title: a listing may hold a short one, a tag cloud only short."""
    lengths = sorted(_title_size(title) for title in titles)
    return lengths[len(lengths) // 2] >= MIN_TITLE_WORDS


def _title_size(title: str) -> int:
    """Words; for unspaced scripts, one word per few characters."""
    words = len(title.split())
    if words > 1 or not UNSPACED.search(title):
        return words
    return len(title) // MIN_TITLE_CHARS * MIN_TITLE_WORDS


def _title(block: HtmlElement) -> tuple[HtmlElement, str, str] | None:
    """The item's title element, text and link, if the block starts with a headline."""
    element, url = _item_title(block)
    if element is None or not url or url.startswith("#"):
        return None
    title = element_text(element)
    if not title or len(title.split()) > MAX_TITLE_WORDS or DATE_LIKE.match(title):
        return None
    if len(_text_before(block, element).split()) > MAX_WORDS_BEFORE_TITLE:
        return None  # a link inside a paragraph: prose, not a headline
    return element, title, url


def _item_title(block: HtmlElement) -> tuple[HtmlElement | None, str]:
    """A heading with a link (or a link of the item), else the first link that is no "more"
    link; with the URL it points to. A heading without a link is a subheading, not a title."""
    for element in block.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in HEADINGS:
            link = next(element.iter("a"), None)
            href = link.get("href") if link is not None else _marker_href(block)
            return (element, href) if href else (None, "")
        if element.tag == "a" and element.get("href") and strip_marker(element_text(element)):
            return element, element.get("href") or ""
    return None, ""


def _marker_href(block: HtmlElement) -> str:
    for link in block.iter("a"):
        if link.get("href") and not strip_marker(element_text(link)):
            return link.get("href") or ""
    return ""


def _text_before(block: HtmlElement, title: HtmlElement) -> str:
    """The item's text above its title (a date, a section label; or prose, if a paragraph)."""
    enclosing = set(title.iterancestors())
    parts: list[str] = []
    for element in block.iter():
        if element is title:
            break
        if isinstance(element.tag, str) and element.tag not in SKIPPED_TAGS:
            parts.append(element.text or "")
        if element is not block and element not in enclosing:
            parts.append(element.tail or "")
    return " ".join(" ".join(parts).split())


def _teaser(block: HtmlElement, title: HtmlElement) -> str:
    """The block's text without its title and its "more" links, paragraphs kept apart."""
    parts: list[str] = []
    _teaser_pieces(block, title, parts)
    paragraphs = [strip_marker(" ".join(p.split())) for p in "".join(parts).split("\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _teaser_pieces(element: HtmlElement, title: HtmlElement, parts: list[str]) -> None:
    """Text of ``element`` into ``parts``, a newline at each block; tails are the caller's."""
    if element is title or not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS:
        return  # HTML comments and processing instructions have a non-string tag
    if element.tag == "a" and not strip_marker(element_text(element)):
        return
    if element.tag in BLOCK_TAGS:
        parts.append("\n")
    parts.append(element.text or "")
    for child in element:
        _teaser_pieces(child, title, parts)
        parts.append(child.tail or "")
    if element.tag in BLOCK_TAGS:
        parts.append("\n")


def in_chrome(element: HtmlElement, known: dict[HtmlElement, bool] | None = None) -> bool:
    """Whether ``element`` is navigation or a widget, or inside one. ``known`` remembers the
    answer for the elements walked (the groups of a page share most of their ancestors)."""
    known = {} if known is None else known
    walked = []
    answer = False
    for node in (element, *element.iterancestors()):
        if node in known:
            answer = known[node]
            break
        walked.append(node)
        if _is_chrome(node):
            answer = True
            break
    known.update(dict.fromkeys(walked, answer))
    return answer


def _is_chrome(node: HtmlElement) -> bool:
    if node.tag in CHROME_TAGS:
        return True
    hint = f"{node.get('class') or ''} {node.get('id') or ''} {node.get('role') or ''}"
    return bool(hint.strip() and CHROME_HINT.search(hint))


def _is_most_of_page(listing: Listing, page_chars: int) -> bool:
    """Without an article to compare with: the listing is most of the page's text."""
    listed = " ".join(f"{item.title} {item.teaser}" for item in listing.items)
    return len(" ".join(listed.split())) >= MIN_PAGE_COVERED * page_chars


def _holds_article(listing: Listing, paragraphs: list[str], grams: list[list[Gram]]) -> bool:
    """trafilatura's article is (mostly) inside the listing, and no item of it is the article."""
    listed = " ".join(f"{item.title} {item.teaser}" for item in listing.items)
    # By word trigrams: trafilatura writes a list item as "- title teaser [more..]".
    known = set(_trigrams(listed))
    inside = [sum(g in known for g in p) for p in grams]
    prose_outside = sum(
        1
        for p, g, n in zip(paragraphs, grams, inside, strict=True)
        if _is_prose(p, g) and 2 * n < len(g)
    )
    total = sum(len(g) for g in grams)
    if sum(inside) < MIN_ARTICLE_COVERED * total or prose_outside > MAX_PROSE_OUTSIDE:
        return False
    return not _one_item_is_the_article(listing, paragraphs, grams)


def _is_prose(paragraph: str, grams: list[Gram]) -> bool:
    """A paragraph of sentences: a dozen words or more, ending a sentence (any script)."""
    return len(grams) >= PROSE_WORDS and bool(SENTENCE_END.search(paragraph))


def _one_item_is_the_article(
    listing: Listing, paragraphs: list[str], grams: list[list[Gram]]
) -> bool:
    """A page region taken for an item: it holds most of an article of several paragraphs
    of prose (a teaser is a paragraph at most)."""
    if sum(1 for p, g in zip(paragraphs, grams, strict=True) if _is_prose(p, g)) < 2:
        return False
    article = {g for p in grams for g in p}
    for item in listing.items:
        held = article & set(_trigrams(f"{item.title} {item.teaser}"))
        if 2 * len(held) >= len(article):
            return True
    return False


def _trigrams(text: str) -> list[Gram]:
    words = WORD.findall(text.casefold())
    return [tuple(words[i : i + 3]) for i in range(len(words) - 2)]


def text_outside_chrome(tree: HtmlElement) -> str:
    """The page's text outside navigation (``CHROME_TAGS``), its head, scripts and styles,
    spaces collapsed: what a listing must be most of (``empty.text_without_tags`` keeps the
    navigation: it asks whether a page shows any word at all)."""
    parts: list[str] = []
    _text_outside_chrome(tree, parts)
    return " ".join(" ".join(parts).split())


def _text_outside_chrome(element: HtmlElement, parts: list[str]) -> None:
    if not isinstance(element.tag, str) or element.tag in SKIPPED_TAGS:
        return
    if element.tag in CHROME_TAGS or element.tag in ("head", "title"):
        return
    parts.append(element.text or "")
    for child in element:
        _text_outside_chrome(child, parts)
        parts.append(child.tail or "")


def element_text(element: HtmlElement) -> str:
    """The text of ``element`` and all below it, each run of spaces one space."""
    return " ".join(element.text_content().split())
