"""Feeds through ``clean | split``: every item a story, with its title and date.

The feeds (benchmarks/feed_corpus.py) hold real articles in 9 encodings, 4 flavours and 9
faults (none, unescaped ``&``, missing closing tags, unescaped HTML, HTML entities, control
characters, two kinds of wrong encoding declaration, none). Next to ingest, on the same
bytes in the same run: the bare feedparser (its own decoding; items it parses) and a plain
lxml walk (``XMLParser(recover=True)``, items found by element name).

    python benchmarks/bench_feeds.py [--write FOLDER]
"""

from __future__ import annotations

import argparse
import email.utils
import io
import re
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
from _common import table
from feed_corpus import (
    ITEMS_PER_FEED,
    PAGES,
    FeedCase,
    feed_cases,
    readability_articles,
    write_feed,
)
from lxml import etree

from ingest import clean_records, read_records, split_records
from ingest.clean import feed
from ingest.dedupe import DedupeConfig, dedupe_records

WORKSPACE = tempfile.TemporaryDirectory(prefix="bench_feeds-")
FOLDER = Path(WORKSPACE.name)
# A story's text is right when it holds this share of the item's words (its own teaser or
# article); the writer truncates RSS 0.91 descriptions, which is counted in the expected text.
TEXT_RECALL = 0.9
TOKEN = re.compile(r"[^\W\d_]+|\d+", re.U)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Found:
    """What a reader found in one feed: the items' titles, ISO dates (UTC) and texts."""

    titles: list[str]
    dates: list[str]
    texts: list[str] = field(default_factory=list)


@dataclass
class Score:
    present: int = 0
    found: int = 0
    titles: int = 0
    dates: int = 0
    texts: int = 0
    seconds: float = 0.0
    feeds: int = 0
    complete: int = 0

    def add(self, case: FeedCase, found: Found, seconds: float) -> None:
        expected_titles = [_norm(case.expected_title(a)) for a in case.articles]
        expected_dates = [case.expected_date(a) for a in case.articles]
        self.feeds += 1
        self.seconds += seconds
        self.present += len(case.articles)
        self.found += min(len(found.titles), len(case.articles))
        self.complete += len(found.titles) == len(case.articles)
        self.titles += sum(
            a == _norm(b) for a, b in zip(expected_titles, found.titles, strict=False)
        )
        self.dates += sum(a == b for a, b in zip(expected_dates, found.dates, strict=False))
        self.texts += sum(
            _recall(_expected_text(case, a), text) >= TEXT_RECALL
            for a, text in zip(case.articles, found.texts, strict=False)
        )

    def row(self, name: str, with_text: bool) -> list[object]:
        ms = 1000 * self.seconds / max(self.feeds, 1)
        texts = f"{self.texts}/{self.present}" if with_text else "-"
        return [
            name,
            f"{self.found}/{self.present}",
            f"{self.complete}/{self.feeds}",
            f"{self.titles}/{self.present}",
            f"{self.dates}/{self.present}",
            texts,
            f"{ms:.1f}",
        ]


def _norm(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", title).replace("\u00a0", " ").split())


def _expected_text(case: FeedCase, article) -> str:  # type: ignore[no-untyped-def]
    return article.text[:500] if case.flavour == "rss091" else article.text


def _tokens(text: str) -> Counter[str]:
    """Words, and each CJK character on its own (those scripts do not space words)."""
    text = unicodedata.normalize("NFC", text).lower()
    return Counter(CJK.findall(text)) + Counter(TOKEN.findall(CJK.sub(" ", text)))


def _recall(expected: str, got: str) -> float:
    want, have = _tokens(expected), _tokens(got)
    total = sum(want.values())
    return sum(min(n, have[t]) for t, n in want.items()) / total if total else 1.0


def run_ingest(case: FeedCase) -> Found:
    """``clean | split`` on the feed's file, read as ``ingest`` reads files."""
    path = FOLDER / case.name
    stories = [
        r
        for r in split_records(clean_records(read_records([str(path)])))
        if r.metadata.get("role") == "story"
    ]
    return Found(
        [s.metadata["title"] for s in stories],
        [s.metadata["date"] for s in stories],
        [s.text for s in stories],
    )


def run_feedparser(case: FeedCase) -> Found:
    parsed = feedparser.parse(io.BytesIO(case.data))
    titles = [str(e.get("title", "")) for e in parsed.entries]
    dates = [
        _struct_iso(e.get("published_parsed") or e.get("updated_parsed")) for e in parsed.entries
    ]
    return Found(titles, dates)


def _struct_iso(value: time.struct_time | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", value) if value else ""


ITEM_NAMES = frozenset({"item", "entry"})
DATE_NAMES = ("pubDate", "date", "updated", "published")


def run_lxml(case: FeedCase) -> Found:
    """The plain walk: a recovering XML parse, items by element name."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(case.data, parser)
    except etree.XMLSyntaxError:
        return Found([], [])
    if root is None:
        return Found([], [])
    titles, dates = [], []
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in ITEM_NAMES:
            children = {etree.QName(c).localname: c for c in element if isinstance(c.tag, str)}
            title = children.get("title")
            titles.append("".join(title.itertext()) if title is not None else "")
            date = next((children[n].text or "" for n in DATE_NAMES if n in children), "")
            dates.append(_parse_date(date))
    return Found(titles, dates)


def _parse_date(value: str) -> str:
    import datetime as dt

    value = value.strip()
    if not value:
        return ""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return ""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_ingest_unrepaired(case: FeedCase) -> Found:
    """ingest without its rules over feedparser: the repair of ``&`` and entities, and
    CDATA around unescaped HTML."""
    originals = feed.repair_references, feed.quote_raw_markup
    feed.repair_references = feed.quote_raw_markup = lambda xml: xml
    try:
        return run_ingest(case)
    finally:
        feed.repair_references, feed.quote_raw_markup = originals


READERS: dict[str, Callable[[FeedCase], Found]] = {
    "ingest clean|split": run_ingest,
    "ingest, no XML repairs": run_ingest_unrepaired,
    "feedparser alone": run_feedparser,
    "lxml recover walk": run_lxml,
}


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--write", type=Path, help="also write the feeds to this folder")
    arguments.add_argument("--misses", action="store_true", help="list ingest's misses")
    options = arguments.parse_args()
    cases = list(feed_cases())
    for case in cases:
        (FOLDER / case.name).write_bytes(case.data)
        if options.write:
            options.write.mkdir(parents=True, exist_ok=True)
            (options.write / case.name).write_bytes(case.data)
    totals = {name: Score() for name in READERS}
    by_fault: dict[str, dict[str, Score]] = defaultdict(lambda: {n: Score() for n in READERS})
    by_encoding: dict[str, Score] = defaultdict(Score)
    for case in cases:
        for name, reader in READERS.items():
            started = time.perf_counter()
            found = reader(case)
            seconds = time.perf_counter() - started
            totals[name].add(case, found, seconds)
            by_fault[case.fault][name].add(case, found, seconds)
            if name == "ingest clean|split":
                by_encoding[case.encoding].add(case, found, seconds)
                if options.misses:
                    _print_misses(case, found)
    header = ["reader", "items found", "feeds complete", "titles", "dates", "texts", "ms/feed"]
    items = sum(len(c.articles) for c in cases)
    print(f"{len(cases)} feeds, {items} items\n")
    print(table([s.row(n, n.startswith("ingest")) for n, s in totals.items()], header))
    print(f"(texts: stories holding >= {TEXT_RECALL:.0%} of their item's words)")
    print("\nby fault: items found, titles right")
    rows = [
        [fault, *[f"{s.found}/{s.present}, {s.titles}" for s in scores.values()]]
        for fault, scores in by_fault.items()
    ]
    print(table(rows, ["fault", *READERS]))
    print("\ningest by encoding:")
    print(table([s.row(e, True) for e, s in by_encoding.items()], ["encoding", *header[1:]]))
    print("\nunescaped HTML, every Latin article once (RSS 2.0, RSS 1.0, Atom):")
    print(table([s.row(n, True) for n, s in raw_html_sweep().items()], header))
    found, pages = feed_and_pages()
    print(f"\nfeed + the {pages} pages its items come from, clean|split|dedupe --mark:")
    print(f"{found}/{pages} pages in one cluster with their feed item")


def feed_and_pages(limit: int = 40) -> tuple[int, int]:
    """A full-text feed of the first Latin articles and the pages they come from, through
    clean, split and dedupe (marking): pages found in a cluster with their feed item."""
    articles = list(readability_articles()["latin"][:limit])
    folder = FOLDER / "with-pages"
    folder.mkdir()
    (folder / "feed.xml").write_bytes(write_feed(tuple(articles), "rss20", "none", "utf-8"))
    for article in articles:
        name = article.link.rsplit("/", 1)[1]
        (folder / f"{name}.html").write_bytes((PAGES / name / "source.html").read_bytes())
    records = split_records(clean_records(read_records([str(folder)])))
    page_clusters: dict[str, set[str]] = defaultdict(set)
    feed_clusters = set()
    for record in dedupe_records(records, DedupeConfig(mark=True)):
        page = record.metadata["parent_id"] or record.id
        cluster = record.metadata["dedupe"]["cluster"]
        if page == "feed.xml":
            feed_clusters.add(cluster)
        else:
            page_clusters[page].add(cluster)
    found = sum(bool(clusters & feed_clusters) for clusters in page_clusters.values())
    return found, len(articles)


def raw_html_sweep() -> dict[str, Score]:
    """Unescaped HTML in every Latin article once, in RSS 2.0, RSS 1.0 and Atom feeds of
    five: what putting it in CDATA gains (feedparser's loose parser loses text of some)."""
    pool = readability_articles()["latin"]
    scores = {"ingest": Score(), "ingest, no CDATA quoting": Score()}
    original = feed.quote_raw_markup
    for name, score in scores.items():
        feed.quote_raw_markup = original if name == "ingest" else (lambda xml: xml)
        try:
            for flavour in ("rss20", "rss10", "atom10"):
                for start in range(0, len(pool), ITEMS_PER_FEED):
                    articles = tuple(pool[start : start + ITEMS_PER_FEED])
                    data = write_feed(articles, flavour, "raw-html", "utf-8")
                    case = FeedCase(
                        f"raw-{flavour}-{start}.xml", "utf-8", flavour, "raw-html", articles, data
                    )
                    (FOLDER / case.name).write_bytes(data)
                    started = time.perf_counter()
                    found = run_ingest(case)
                    score.add(case, found, time.perf_counter() - started)
        finally:
            feed.quote_raw_markup = original
    return scores


def _print_misses(case: FeedCase, found: Found) -> None:
    for index, article in enumerate(case.articles):
        title = found.titles[index] if index < len(found.titles) else None
        date = found.dates[index] if index < len(found.dates) else None
        text = found.texts[index] if index < len(found.texts) else ""
        problems = []
        if title is None or _norm(title) != _norm(case.expected_title(article)):
            problems.append(f"title {title!r} != {case.expected_title(article)!r}")
        if date != case.expected_date(article):
            problems.append(f"date {date!r} != {case.expected_date(article)!r}")
        recall = _recall(_expected_text(case, article), text)
        if recall < TEXT_RECALL:
            problems.append(f"text recall {recall:.2f}")
        if problems:
            print(f"{case.name} #{index + 1}: {'; '.join(problems)}")


if __name__ == "__main__":
    main()
