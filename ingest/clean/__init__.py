"""``ingest clean``: decoded text -> repaired, normalized text without the site around it."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..checks import (
    check_config,
    check_flag,
    check_instance,
    check_int,
    check_jobs,
    checked_records,
    records_map,
)
from ..digest import locate_stories
from ..io.inputs import EncodedRecord, RawDocument, WorkResult
from ..io.outputs import encode_line
from ..parallel import close, parallel_map
from ..record import Record
from .boilerplate import Cleaned, PageVerdicts, clean_text_page
from .empty import CleanStats, count_empty, empty_reason, mark_empty
from .normalize import normalize_text, normalize_whitespace
from .repeated import remove_repeated_lines

# Feeds and HTML pages are parsed by modules imported when a record needs them (feedparser,
# bs4): a run over plain text starts without them.
if TYPE_CHECKING:
    from .feed import Feed
    from .html import HtmlPage

# Keys every cleaned record carries, with their defaults for records that arrive as JSONL
# (already decoded by whoever wrote them), so that every output line has the same shape.
DECODE_DEFAULTS: dict[str, Any] = {
    "content_type": "text",
    "encoding": "",
    "encoding_confidence": -1.0,
    "declared_encoding": "",
    "decode_method": "",
    "replaced_bytes": 0,
}
PAGE_KEYS = ("title", "date", "author", "publisher", "url", "dateline")
# When a crawler fetched the page (a WARC's WARC-Date): the date of last resort.
CRAWL_DATE = "crawl_date"
# Boilerplate removal can uncover more (a footer above a footer): run it to a fixed point.
MAX_ROUNDS = 4


@dataclass(frozen=True, slots=True)
class CleanConfig:
    """Options of the clean stage.

    Attributes:
        repair_mojibake: undo text decoded with the wrong codec before it reached us (ftfy).
        unescape_entities: decode HTML entities (``&amp;``) left in plain-text documents.
        strip_boilerplate: remove breadcrumbs, "more" links, footers...; move title, date and
            byline into metadata.
        min_items: stories a page needs to be taken for a digest (see ``ingest split``).
        explain: list what was removed, and by which rule, in ``metadata.removed``.
        repeated_lines: remove lines found in this many documents of one source (0: off);
            reads the input twice, through a temporary file.
        drop_empty: leave out documents whose cleaned text is empty (they are counted, and
            otherwise kept with ``metadata.empty_reason`` saying why).
    """

    repair_mojibake: bool = True
    unescape_entities: bool = True
    strip_boilerplate: bool = True
    min_items: int = 2
    explain: bool = False
    repeated_lines: int = 0
    drop_empty: bool = False

    def __post_init__(self) -> None:
        for name in ("repair_mojibake", "unescape_entities", "strip_boilerplate", "explain"):
            check_flag("CleanConfig", name, getattr(self, name))
        check_flag("CleanConfig", "drop_empty", self.drop_empty)
        check_int("CleanConfig", "min_items", self.min_items, 1)
        check_int("CleanConfig", "repeated_lines", self.repeated_lines, None)
        if self.repeated_lines == 1 or self.repeated_lines < 0:  # 1: every line is repeated
            raise ValueError("repeated_lines must be 0 (off) or at least 2")


def clean_record(record: Record, config: CleanConfig = CleanConfig()) -> Record:
    """Clean one record in place and return it."""
    metadata = record.metadata
    # A record ingest clean wrote (its empty_reason is a string) had its page extracted,
    # its boilerplate stripped and its entities decoded: doing either again to its text
    # would cut what the first run kept (a story's closing list, the lines of an article
    # taken from HTML) and leave its items' offsets pointing into text that moved.
    previous = metadata.get("empty_reason")
    reason_before = previous if isinstance(previous, str) else None
    cleaned_before = reason_before is not None
    for key, default in DECODE_DEFAULTS.items():
        metadata.setdefault(key, default)
    for key in PAGE_KEYS:
        metadata.setdefault(key, "")
    metadata.setdefault("items", [])
    metadata.setdefault(CRAWL_DATE, "")
    metadata.setdefault("feed", "")
    removed: list[dict[str, str]] = []
    stories: list[tuple[str, str, str]] = []
    text = original = record.text
    content_type = metadata["content_type"]
    feed: Feed | None = None
    if content_type == "feed":
        from .feed import feed_text, parse_feed

        feed = parse_feed(text, repair=config.repair_mojibake, entities=config.unescape_entities)
        _take_feed_metadata(metadata, feed)
        text = feed_text(feed)
        stories = [(i.title, i.text, i.url) for i in feed.items]
        metadata["content_type"] = "text"
    elif metadata["content_type"] == "html":
        from .html import extract_html, page_text

        page = extract_html(text, config.min_items)
        _take_page_metadata(metadata, page)
        text = page_text(page)
        stories = [(i.title, i.teaser, i.url) for i in page.items]
        metadata["content_type"] = "text"  # what the record now holds
    from_html = content_type == "html"
    # lxml has decoded the page's entities: an "&amp;" left in its text is the page's text.
    entities = config.unescape_entities and not from_html and not cleaned_before
    if from_html:
        # Spaces tidied first: normalize_text repeats its round, mojibake repair included (the
        # dearest step), whenever a round changes the text, and what changes in extracted
        # text is mostly its spaces (20 of the 130 readability pages). The same records on
        # the pages tried: ftfy repairs "Ã " as it repairs "Ã\xa0" (tests/test_html_errors.py).
        text = normalize_whitespace(text)
    repairs: list[str] = []
    # parse_feed normalized each title and text with these options, and feed_text joins
    # them with blank lines, across which no repair, entity, mark or space run reaches:
    # normalizing the whole again would change nothing (tests/test_feeds.py checks it).
    if feed is None:
        text, repairs = normalize_text(text, repair=config.repair_mojibake, entities=entities)
    # A feed's items are the stories already: no page around them to strip (cleaned again
    # too: the text is still the feed's). The plain-text rules are for plain-text pages: on
    # trafilatura's text each of them loses or gains nothing on benchmarks/bench_extract.py
    # (readability pages), and they cut real lines (a closing list, a table row "| a | b |",
    # a copyright notice the story is about).
    if config.strip_boilerplate and not metadata["feed"] and not from_html and not cleaned_before:
        text, found = _strip_boilerplate(text, metadata, removed)
        stories = stories or found
    record.text = text
    _date_from_crawl(metadata)
    metadata["repairs"] = _merge(metadata.get("repairs"), repairs)
    located = locate_stories(text, [(t, normalize_whitespace(s), u) for t, s, u in stories])
    if located or not metadata["items"]:
        metadata["items"] = located
    if feed is not None:
        feed.add_dates_and_authors(located)
    metadata["empty_reason"] = empty_reason(text, original, content_type, reason_before or "")
    if config.explain:
        # a record cleaned before keeps what its first run removed (this one removes nothing)
        metadata["removed"] = metadata.get("removed", []) if cleaned_before else removed
    return record


def _take_page_metadata(metadata: dict[str, Any], found: HtmlPage | Cleaned) -> None:
    for key in PAGE_KEYS:
        value = getattr(found, key, "")
        if value and not metadata.get(key):
            metadata[key] = value


def _date_from_crawl(metadata: dict[str, Any]) -> None:
    """A page that gives no date of its own is dated by its capture (ISO 8601, to the day)."""
    crawled = metadata[CRAWL_DATE]
    if not metadata["date"] and isinstance(crawled, str) and crawled[:10]:
        metadata["date"] = crawled[:10]


def _take_feed_metadata(metadata: dict[str, Any], feed: Feed) -> None:
    """The feed's title is its publisher's name (and the record's title), its link the URL."""
    metadata["feed"] = feed.format
    metadata["repairs"] = _merge(metadata.get("repairs"), feed.repairs)
    found = {
        "title": feed.title,
        "publisher": feed.title,
        "url": feed.url,
        "date": feed.date,
        "author": feed.author,
    }
    for key, value in found.items():
        if value and not metadata.get(key):
            metadata[key] = value


def _strip_boilerplate(
    text: str, metadata: dict[str, Any], removed: list[dict[str, str]]
) -> tuple[str, list[tuple[str, str, str]]]:
    stories: list[tuple[str, str, str]] = []
    verdicts = PageVerdicts()  # each round judges again most lines of the round before
    for _ in range(MAX_ROUNDS):
        cleaned = clean_text_page(text, find_title=not metadata["title"], verdicts=verdicts)
        _take_page_metadata(metadata, cleaned)
        removed.extend(cleaned.removed)
        stories = stories or [(title, teaser, "") for title, teaser in cleaned.stories]
        # A round that changed nothing ends it: ``text`` is normalized already, and
        # normalize_whitespace of its own result returns it unchanged (it is idempotent).
        if cleaned.text == text:
            break
        new_text = normalize_whitespace(cleaned.text)
        if new_text == text:
            break
        text = new_text
    return text, stories


def _merge(previous: Any, repairs: list[str]) -> list[str]:
    """Repairs of an earlier clean are kept: cleaning twice must not forget what was fixed."""
    kept = [str(r) for r in previous] if isinstance(previous, list) else []
    return kept + [r for r in repairs if r not in kept]


def clean_records(
    records: Iterable[Record],
    config: CleanConfig = CleanConfig(),
    stats: CleanStats | None = None,
    jobs: int = 1,
) -> Iterator[Record]:
    """The clean stage: one cleaned record for each record in (without the empty ones, with
    ``config.drop_empty``), on ``jobs`` processes; ``stats`` counts the documents that came
    out empty. A wrong config or ``jobs`` is an error at the call, a bad record at its turn."""
    check_config("clean_records", config, CleanConfig)
    check_jobs("clean_records", jobs)
    if stats is not None:  # a dict, say, was taken and left empty
        check_instance("clean_records", "stats", stats, CleanStats)
    return _clean_records(checked_records(records, "clean_records"), config, stats, jobs)


def _clean_records(
    records: Iterable[Record], config: CleanConfig, stats: CleanStats | None, jobs: int
) -> Iterator[Record]:
    clean = functools.partial(clean_record, config=config)
    cleaned = records_map("clean_records", clean, records, jobs)
    if config.repeated_lines:
        cleaned = remove_repeated_lines(cleaned, config.repeated_lines, config.explain)
    yield from count_empty(cleaned, stats or CleanStats(), config.drop_empty)


def clean_encoded(
    items: Iterable[Record | RawDocument | WorkResult],
    config: CleanConfig = CleanConfig(),
    stats: CleanStats | None = None,
    jobs: int = 1,
) -> Iterator[WorkResult]:
    """``clean_records`` with the reading of raw documents and the JSON encoding done by the
    workers too: ``items`` come from ``io.inputs.read_deferred``; the main process lists the
    inputs and writes the lines (``io.inputs.in_input_order`` makes the ids unique and reports
    the errors). Not for ``config.repeated_lines``, which must see every cleaned record
    before one is written."""
    if config.repeated_lines:
        raise ValueError("repeated_lines needs clean_records")
    stats = stats if stats is not None else CleanStats()
    stats.dropped = config.drop_empty
    work = functools.partial(_clean_and_encode, config=config)
    results = parallel_map(work, items, jobs)
    try:
        for result in results:
            stats.empty += sum(record.empty for record in result.records)
            yield result
    finally:
        close(results)  # the workers stop here when the writer stops early


def _clean_and_encode(item: Record | RawDocument | WorkResult, config: CleanConfig) -> WorkResult:
    if isinstance(item, WorkResult):  # an error the main process found, kept in its place
        return item
    if not isinstance(item, RawDocument):
        return WorkResult([_encoded(clean_record(item, config), config)])
    records, errors, read = item.read()
    return WorkResult([_encoded(clean_record(r, config), config) for r in records], errors, read)


def _encoded(record: Record, config: CleanConfig) -> EncodedRecord:
    empty = mark_empty(record)
    line = b"" if empty and config.drop_empty else encode_line(record)
    return EncodedRecord(record.id, record.source, line, empty)
