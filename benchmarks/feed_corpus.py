"""Feeds written from real article text, in several encodings, flavours and faults.

The items are real: the articles of Mozilla Readability's test pages (their expected.html,
title, byline and date from expected-metadata.json) and, for Russian and Korean, which those
pages lack, the texts of uchardet's test corpus (one item per text; its first line or first
words as the title). What is generated is the feed around them: RSS 2.0, RSS 1.0 (RDF),
Atom 1.0 and RSS 0.91, serialized as publishers do, then spoiled the ways real feeds are:
unescaped ``&``, missing closing tags, HTML inside CDATA or not escaped at all, HTML
entities XML does not know, control characters, a wrong (UTF-8 for legacy bytes, UTF-8
declared ISO-8859-1, another legacy code page) or missing encoding declaration.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from _common import DEV_DATA
from lxml import html as lxml_html

PAGES = DEV_DATA / "readability" / "pages"
UCHARDET = DEV_DATA / "uchardet"
FLAVOURS = ("rss20", "rss10", "atom10", "rss091")
FAULTS = (
    "none",
    "amp",
    "unclosed",
    "raw-html",
    "entities",
    "control-chars",
    "wrong-declared",
    "other-declared",
    "undeclared",
)
# Characters XML 1.0 forbids, which text pasted from word processors brings into feeds.
CONTROL_CHARACTERS = "\x1a\x0b\x08"
# Each encoding with the items it can carry: Latin articles, Chinese, Japanese, Cyrillic...
ENCODINGS = {
    "utf-8": ("latin", "zh-hans", "ja", "ru", "ko"),
    "iso-8859-1": ("latin",),
    "windows-1251": ("ru",),
    "koi8-r": ("ru",),
    "gb2312": ("zh-hans",),
    "gb18030": ("zh-hans",),
    "big5": ("zh-hant",),
    "shift_jis": ("ja",),
    "euc-kr": ("ko",),
}
SCRIPT_PAGES = {
    "zh-hans": ("gmw", "qq", "youth"),
    "zh-hant": ("pixnet",),
    "ja": ("hukumusume", "yahoo-4"),
}
RUSSIAN_TEXTS = {
    "windows-1251.txt": "cp1251",
    "koi8-r.txt": "koi8-r",
    "iso-8859-5.txt": "iso8859-5",
    "ibm866.txt": "cp866",
    "ibm855.txt": "cp855",
    "maccyrillic.txt": "mac-cyrillic",
}
KOREAN_TEXTS = {"utf-8.txt": "utf-8", "iso-2022-kr.txt": "iso2022-kr", "utf-16.le": "utf-16"}
ITEMS_PER_FEED = 5
MIN_ARTICLE_CHARS = 300
RSS091_DESCRIPTION_CHARS = 500  # the 0.91 spec's limit
# Offsets publishers write their dates in, so that a parser must convert them to UTC.
OFFSETS = (0, 60, -300, 330, 540)
TITLE_WORDS = 10
TITLE_CHARS = 80


@dataclass(frozen=True)
class Article:
    """An item's source: a real article."""

    title: str
    html: str  # the article's HTML (the inside of expected.html)
    text: str  # its text content
    date: dt.datetime
    author: str
    link: str


@dataclass(frozen=True)
class FeedCase:
    """A feed file to write, and the items a reader must find in it."""

    name: str
    encoding: str
    flavour: str
    fault: str
    articles: tuple[Article, ...]
    data: bytes

    def expected_title(self, article: Article) -> str:
        return " ".join(article.title.split())

    def expected_date(self, article: Article) -> str:
        """ISO 8601 in UTC, or "" in RSS 0.91, which has no item dates."""
        if self.flavour == "rss091":
            return ""
        return article.date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def readability_articles() -> dict[str, list[Article]]:
    """The test pages' articles by script; pages without a title or much text left out."""
    by_script: dict[str, list[Article]] = {"latin": []}
    script_of = {page: script for script, pages in SCRIPT_PAGES.items() for page in pages}
    for number, folder in enumerate(sorted(PAGES.iterdir())):
        article = _page_article(folder, number)
        if article is None:
            continue
        script = script_of.get(folder.name, "latin" if _is_latin(article.text) else "")
        if script:
            by_script.setdefault(script, []).append(article)
    by_script["ru"] = _corpus_articles("ru", RUSSIAN_TEXTS)
    by_script["ko"] = _corpus_articles("ko", KOREAN_TEXTS)
    return by_script


def _page_article(folder: Path, number: int) -> Article | None:
    metadata = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    title = " ".join((metadata.get("title") or "").split())
    body = (folder / "expected.html").read_text(encoding="utf-8")
    text = " ".join(lxml_html.fromstring(body).text_content().split())
    if not title or len(text) < MIN_ARTICLE_CHARS:
        return None
    return Article(
        title=title,
        html=body,
        text=text,
        date=_date(metadata.get("publishedTime"), number),
        author=" ".join((metadata.get("byline") or "").split()),
        link=f"https://example.org/{folder.name}",
    )


def _date(published: str | None, number: int) -> dt.datetime:
    """The page's own publication time; a made-up one, in some time zone, when it has none."""
    if published:
        try:
            value = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
            return value.replace(microsecond=0)
        except ValueError:
            pass
    zone = dt.timezone(dt.timedelta(minutes=OFFSETS[number % len(OFFSETS)]))
    return dt.datetime(
        2023, 1 + number % 12, 1 + number % 28, number % 24, number % 60, tzinfo=zone
    )


def _is_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c < "\u0250" for c in letters) > 0.95 * len(letters)


def _corpus_articles(language: str, files: dict[str, str]) -> list[Article]:
    articles = []
    for number, (name, codec) in enumerate(files.items()):
        text = (UCHARDET / language / name).read_bytes().decode(codec).lstrip("\ufeff").strip()
        first, _, rest = text.partition("\n")
        title = (
            first.strip() if len(first) <= TITLE_CHARS else " ".join(first.split()[:TITLE_WORDS])
        )
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", rest or text) if p.strip()]
        body = "".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs)
        articles.append(
            Article(
                title=title,
                html=body,
                text=" ".join(" ".join(paragraphs).split()),
                date=_date(None, number + 7),
                author="",
                link=f"https://example.org/{language}/{number}",
            )
        )
    return articles


def feed_cases() -> Iterator[FeedCase]:
    """Every encoding x flavour x fault, each feed with the next articles of its scripts."""
    pools = readability_articles()
    counter = 0
    for encoding, scripts in ENCODINGS.items():
        pool = [a for script in scripts for a in pools.get(script, [])]
        for flavour in FLAVOURS:
            for fault in FAULTS:
                start = (counter * ITEMS_PER_FEED) % len(pool)
                chosen = [
                    pool[(start + i) % len(pool)] for i in range(min(ITEMS_PER_FEED, len(pool)))
                ]
                articles = tuple(_fit(a, encoding, fault) for a in chosen)
                suffix = ("xml", "rss", "atom", "")[counter % 4]
                name = f"{encoding}-{flavour}-{fault}" + (f".{suffix}" if suffix else "")
                data = write_feed(articles, flavour, fault, encoding)
                yield FeedCase(name, encoding, flavour, fault, articles, data)
                counter += 1


def _fit(article: Article, encoding: str, fault: str) -> Article:
    """The article with a ``&`` in its title where the fault is an unescaped one."""
    if fault == "amp":
        return replace(article, title=f"Q&A: {article.title}")
    return article


def write_feed(articles: tuple[Article, ...], flavour: str, fault: str, encoding: str) -> bytes:
    """The feed's bytes: serialized, spoiled by ``fault``, encoded (and declared)."""
    writer = {"rss20": _rss20, "rss10": _rss10, "atom10": _atom, "rss091": _rss091}[flavour]
    xml = writer(articles, fault)
    # A lying declaration: UTF-8 for legacy bytes and back, or another legacy code page.
    declared = {
        "wrong-declared": "utf-8" if encoding != "utf-8" else "iso-8859-1",
        "other-declared": "iso-8859-1" if encoding != "iso-8859-1" else "windows-1251",
    }.get(fault, encoding)
    declaration = "" if fault == "undeclared" else f'<?xml version="1.0" encoding="{declared}"?>\n'
    # Characters the encoding lacks become character references, as XML serializers write
    # them; inside CDATA they stay references as text, which clean's entity decoding reads.
    return (declaration + xml).encode(_codec(encoding), "xmlcharrefreplace")


def _codec(encoding: str) -> str:
    return {"gb2312": "gb2312", "big5": "big5", "shift_jis": "shift_jis"}.get(encoding, encoding)


def _text(value: str, fault: str) -> str:
    """Element text, escaped, or with its ``&`` raw in the feeds that get that wrong."""
    escaped = html.escape(value, quote=False)
    if fault == "control-chars":
        return escaped.replace(" ", f" {CONTROL_CHARACTERS[0]}", 1)
    return escaped.replace("&amp;", "&") if fault == "amp" else escaped


def _markup(article: Article, fault: str, limit: int | None = None) -> str:
    """The article's HTML as element content: escaped, in CDATA, or raw (ill-formed)."""
    body = article.html if limit is None else html.escape(article.text[:limit], quote=False)
    if fault == "raw-html":  # unescaped HTML, with an unclosed <br>
        return body.replace("<p>", "<p><br>", 1) if limit is None else f"<p>{body}<br></p>"
    if fault == "control-chars":
        body = body.replace(". ", f".{CONTROL_CHARACTERS} ", 3)
    if fault == "entities":
        body = body.replace("\u00a0", "&nbsp;").replace("—", "&mdash;").replace("é", "&eacute;")
        return body.replace("<p>", "<p>&nbsp;", 1) if limit is None else body
    if limit is None and "]]>" not in body:
        return f"<![CDATA[{body}]]>"
    return html.escape(body, quote=False)


def _close(tag: str, index: int, fault: str) -> str:
    """The closing tag of an item, missing from every second item of an "unclosed" feed."""
    return "" if fault == "unclosed" and index % 2 else f"</{tag}>"


def _rss20(articles: tuple[Article, ...], fault: str) -> str:
    items = []
    for index, a in enumerate(articles):
        date = email.utils.format_datetime(a.date)
        author = f"<dc:creator>{_text(a.author, fault)}</dc:creator>" if a.author else ""
        teaser = html.escape(f"<p>{html.escape(a.text[:200])}…</p>", quote=False)
        items.append(
            f"<item><title>{_text(a.title, fault)}</title><link>{a.link}</link>"
            f"<guid>{a.link}</guid><pubDate>{date}</pubDate>{author}"
            f"<description>{teaser}</description>"
            f"<content:encoded>{_markup(a, fault)}</content:encoded>{_close('item', index, fault)}"
        )
    return (
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Test &amp; Pages</title>'
        "<link>https://example.org/</link><description>Articles</description>"
        + "\n".join(items)
        + _ending("</channel></rss>", fault)
    )


def _rss10(articles: tuple[Article, ...], fault: str) -> str:
    items = []
    for index, a in enumerate(articles):
        date = a.date.isoformat()
        author = f"<dc:creator>{_text(a.author, fault)}</dc:creator>" if a.author else ""
        items.append(
            f'<item rdf:about="{a.link}"><title>{_text(a.title, fault)}</title>'
            f"<link>{a.link}</link><dc:date>{date}</dc:date>{author}"
            f"<description>{_markup(a, fault)}</description>{_close('item', index, fault)}"
        )
    seq = "".join(f'<rdf:li rdf:resource="{a.link}"/>' for a in articles)
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="https://example.org/"><title>Test Pages</title>'
        "<link>https://example.org/</link><description>Articles</description>"
        f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n"
        + "\n".join(items)
        + _ending("</rdf:RDF>", fault)
    )


def _atom(articles: tuple[Article, ...], fault: str) -> str:
    entries = []
    for index, a in enumerate(articles):
        author = f"<author><name>{_text(a.author, fault)}</name></author>" if a.author else ""
        entries.append(
            f"<entry><title>{_text(a.title, fault)}</title>"
            f'<link rel="alternate" href="{a.link}"/><id>{a.link}</id>'
            f"<updated>{a.date.isoformat()}</updated>{author}"
            f'<content type="html">{_markup(a, fault)}</content>{_close("entry", index, fault)}'
        )
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Test Pages</title>'
        '<link href="https://example.org/"/><id>https://example.org/</id>'
        "<updated>2024-01-01T00:00:00Z</updated>\n" + "\n".join(entries) + _ending("</feed>", fault)
    )


def _rss091(articles: tuple[Article, ...], fault: str) -> str:
    items = []
    for index, a in enumerate(articles):
        description = _markup(a, fault, RSS091_DESCRIPTION_CHARS)
        items.append(
            f"<item><title>{_text(a.title, fault)}</title><link>{a.link}</link>"
            f"<description>{description}</description>{_close('item', index, fault)}"
        )
    return (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        '<rss version="0.91"><channel><title>Test Pages</title>'
        "<link>https://example.org/</link><description>Articles</description>"
        "<language>en</language>\n" + "\n".join(items) + _ending("</channel></rss>", fault)
    )


def _ending(closing: str, fault: str) -> str:
    """A truncated feed ends without its closing tags."""
    return "" if fault == "unclosed" else closing
