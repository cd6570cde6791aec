"""``ingest split``: digest pages -> one record per story; other documents pass through."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .checks import (
    check_config,
    check_flag,
    check_instance,
    check_int,
    check_jobs,
    checked_records,
    records_map,
)
from .clean import CleanConfig, CleanStats, clean_record, clean_records
from .clean.empty import count_empty
from .clean.feed import feed_text, parse_feed
from .clean.html import extract_html, page_text
from .digest import find_items, locate_stories, strip_markers
from .io.inputs import UniqueIds
from .parallel import close
from .record import Record

# Every record split writes carries these, so that stories and whole documents share a shape.
SPLIT_DEFAULTS: dict[str, Any] = {"parent_id": "", "part": -1, "role": "document"}


@dataclass(frozen=True, slots=True)
class SplitConfig:
    """Options of the split stage.

    Attributes:
        min_items: stories a page needs to be taken for a digest.
        keep_intro: write the introduction (the text before the first story) as a record.
        keep_parent: write the digest page itself too, before its stories.
    """

    min_items: int = 2
    keep_intro: bool = True
    keep_parent: bool = False

    def __post_init__(self) -> None:
        check_int("SplitConfig", "min_items", self.min_items, 1)
        check_flag("SplitConfig", "keep_intro", self.keep_intro)
        check_flag("SplitConfig", "keep_parent", self.keep_parent)


@dataclass(frozen=True, slots=True)
class Span:
    """A story of a page: where its title starts and its teaser ends in the page's text."""

    title: str
    start: int
    end: int
    url: str
    # A feed item's own date and author (None: a page's story, which has the page's).
    date: str | None = None
    author: str | None = None


def find_spans(record: Record, min_items: int) -> tuple[str, list[Span]]:
    """The text to cut and where its stories lie: from ``clean``'s ``metadata.items`` when
    they fit the text, else found in the text (or raw HTML) itself."""
    items = _spans(record.metadata.get("items") or [], record.text)
    # A feed lists its items itself: one item is a story too.
    if len(items) >= min_items or (items and record.metadata.get("feed")):
        return record.text, items
    if record.metadata.get("content_type") == "html":
        return _html_spans(record.text, min_items)
    if record.metadata.get("content_type") == "feed":
        return _feed_spans(record.text)
    found = find_items(record.text, min_items)
    return record.text, [Span(i.title, i.title_start, i.teaser_end, "") for i in found]


def _spans(items: list[Any], text: str) -> list[Span]:
    """``metadata.items`` as spans, or ``[]`` if they do not fit ``text``."""
    spans: list[Span] = []
    for item in items:
        try:
            span = Span(
                str(item["title"]),
                int(item["start"]),
                int(item["end"]),
                str(item.get("url", "")),
                _optional(item.get("date")),
                _optional(item.get("author")),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return []
        # Stories in order, each after the title before it: else a teaser would be cut
        # from text that another story holds too (text written twice).
        after = spans[-1].start + len(spans[-1].title) if spans else 0
        if not span.title or span.start < after:
            return []
        if text[span.start : span.start + len(span.title)] != span.title:
            return []  # the text changed after clean recorded the items: find them anew
        spans.append(span)
    return spans


def _feed_spans(xml: str) -> tuple[str, list[Span]]:
    """A raw feed's items (``clean`` gives the feed's metadata too)."""
    feed = parse_feed(xml)
    text = feed_text(feed)
    located = locate_stories(text, [(i.title, i.text, i.url) for i in feed.items])
    feed.add_dates_and_authors(located)
    return text, _spans(located, text)


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def _html_spans(html: str, min_items: int) -> tuple[str, list[Span]]:
    page = extract_html(html, min_items)
    if len(page.items) < min_items:
        return html, []
    text = page_text(page)
    located = locate_stories(text, [(i.title, i.teaser, i.url) for i in page.items])
    return text, _spans(located, text)


def split_record(record: Record, config: SplitConfig = SplitConfig()) -> Iterator[Record]:
    """The stories of ``record`` when it is a digest, else ``record`` itself."""
    for key, default in SPLIT_DEFAULTS.items():
        record.metadata.setdefault(key, default)
    # a role that arrived empty (or of another type, made empty when read) is no role
    record.metadata["role"] = record.metadata["role"] or SPLIT_DEFAULTS["role"]
    if record.metadata["role"] == "digest":  # kept by an earlier split, its stories after it
        yield record
        return
    text, spans = find_spans(record, config.min_items)
    if not spans:
        yield record
        return
    if config.keep_parent:
        yield Record(record.id, record.text, record.source, {**record.metadata, "role": "digest"})
    if text is not record.text:  # cut from raw HTML or a raw feed: the stories hold text
        metadata = {**record.metadata, "content_type": "text"}
        record = Record(record.id, record.text, record.source, metadata)
    intro = strip_markers(text[: spans[0].start]).strip()
    if intro and config.keep_intro:
        yield _child(record, intro, "introduction", 0, record.metadata.get("title", ""), "")
    for part, (span, following) in enumerate(zip(spans, [*spans[1:], None], strict=True), start=1):
        # Text between two stories, or after the last, belongs to the story before it.
        end = following.start if following else len(text)
        teaser = strip_markers(text[span.start + len(span.title) : end]).strip()
        # A story that is only a headline (feeds have them) is still a story: its title.
        story = _child(record, teaser or span.title, "story", part, span.title, span.url)
        for key, value in (("date", span.date), ("author", span.author)):
            if value is not None:
                story.metadata[key] = value
        yield story


def _child(parent: Record, text: str, role: str, part: int, title: str, url: str) -> Record:
    metadata = {**parent.metadata, "title": title, "items": []}
    metadata.update(parent_id=parent.id, part=part, role=role)
    if url:
        metadata["url"] = url
    return Record(id=f"{parent.id}#{part}", text=text, source=parent.source, metadata=metadata)


def split_records(
    records: Iterable[Record], config: SplitConfig = SplitConfig(), jobs: int = 1
) -> Iterator[Record]:
    """The split stage, on ``jobs`` processes. A wrong config or ``jobs`` is an error at the
    call, a bad record at its turn; ``close()`` stops the workers."""
    _check_stage("split_records", splitting=config, jobs=jobs)
    work = functools.partial(_split_list, config=config)
    checked = checked_records(records, "split_records")
    split = _flattened(records_map("split_records", work, checked, jobs))
    return _unique_ids(split)


def _check_stage(
    function: str, *, splitting: SplitConfig, jobs: int, cleaning: CleanConfig | None = None
) -> None:
    if cleaning is not None:
        check_config(function, cleaning, CleanConfig)
    check_config(function, splitting, SplitConfig)
    check_jobs(function, jobs)


def _flattened(parts: Iterator[list[Record]]) -> Iterator[Record]:
    """The records of ``parts``, one by one: a generator, whose ``close()`` closes ``parts``
    (and so stops their workers) at once."""
    try:
        for records in parts:
            yield from records
    finally:
        close(parts)


def clean_split_records(
    records: Iterable[Record],
    cleaning: CleanConfig,
    splitting: SplitConfig,
    jobs: int = 1,
    stats: CleanStats | None = None,
) -> Iterator[Record]:
    """``split_records(clean_records(records))``, both done by the same worker for a record;
    ``stats`` counts the documents that came out of clean empty.

    Clean's ``repeated_lines`` must see every cleaned record before one is written: then the
    two stages run one after the other.
    """
    _check_stage("clean_split_records", cleaning=cleaning, splitting=splitting, jobs=jobs)
    if stats is not None:
        check_instance("clean_split_records", "stats", stats, CleanStats)
    stats = stats if stats is not None else CleanStats()
    if cleaning.repeated_lines:
        return split_records(clean_records(records, cleaning, stats, jobs), splitting, jobs)
    stats.dropped = cleaning.drop_empty
    work = functools.partial(_clean_split_list, cleaning=cleaning, splitting=splitting)
    checked = checked_records(records, "clean_split_records")
    pages = records_map("clean_split_records", work, checked, jobs)
    return _unique_ids(_count_empty_pages(pages, stats))


def _unique_ids(records: Iterator[Record]) -> Iterator[Record]:
    """``records`` with ids unique across the output: a story's ``<page id>#<n>`` can be
    another record's id, and the later of the two becomes ``<id>#dup`` (``<id>#dup~2``...).
    Other ids are left as they are (``read_records`` made the input's unique)."""
    seen = UniqueIds()
    try:
        for record in records:
            record.id = seen.unique_id(record.id, record.id)
            yield record
    finally:
        close(records)


def _count_empty_pages(
    results: Iterator[tuple[int, list[Record]]], stats: CleanStats
) -> Iterator[Record]:
    """The stories of the workers' ``results``, their counts of empty pages added to ``stats``."""
    try:
        for empty, parts in results:
            stats.empty += empty
            yield from parts
    finally:
        close(results)  # closed early (or failed): the workers stop now


def _split_list(record: Record, config: SplitConfig) -> list[Record]:
    return list(split_record(record, config))


def _clean_split_list(
    record: Record, cleaning: CleanConfig, splitting: SplitConfig
) -> tuple[int, list[Record]]:
    """How many pages came out of clean empty (this one, or none), and its stories (none if
    dropped): counted and dropped by clean's own rule (``count_empty``)."""
    page = CleanStats()
    kept = count_empty([clean_record(record, cleaning)], page, cleaning.drop_empty)
    stories = [story for cleaned in kept for story in _split_list(cleaned, splitting)]
    return page.empty, stories  # counted once the generator has run
