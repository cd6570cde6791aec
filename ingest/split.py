"""``ingest split``: digest pages -> one record per story; other documents pass through."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .clean import CleanConfig, clean_record, clean_records
from .clean.html import extract_html, page_text
from .digest import find_items, locate_stories, strip_markers
from .parallel import parallel_map
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


@dataclass(frozen=True, slots=True)
class Span:
    """A story of a page: where its title starts and its teaser ends in the page's text."""

    title: str
    start: int
    end: int
    url: str


def find_spans(record: Record, min_items: int) -> tuple[str, list[Span]]:
    """The text to cut and where its stories lie: from ``clean``'s ``metadata.items`` when
    they fit the text, else found in the text (or raw HTML) itself."""
    items = _spans(record.metadata.get("items") or [], record.text)
    if len(items) >= min_items:
        return record.text, items
    if record.metadata.get("content_type") == "html":
        return _html_spans(record.text, min_items)
    found = find_items(record.text, min_items)
    return record.text, [Span(i.title, i.title_start, i.teaser_end, "") for i in found]


def _spans(items: list[Any], text: str) -> list[Span]:
    """``metadata.items`` as spans, or ``[]`` if they do not fit ``text``."""
    spans = []
    for item in items:
        try:
            span = Span(
                str(item["title"]), int(item["start"]), int(item["end"]), str(item.get("url", ""))
            )
        except (KeyError, TypeError, ValueError):
            return []
        if text[span.start : span.start + len(span.title)] != span.title:
            return []  # the text changed after clean recorded the items: find them anew
        spans.append(span)
    return spans


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
    text, spans = find_spans(record, config.min_items)
    if not spans:
        yield record
        return
    if config.keep_parent:
        yield Record(record.id, record.text, record.source, {**record.metadata, "role": "digest"})
    intro = strip_markers(text[: spans[0].start]).strip()
    if intro and config.keep_intro:
        yield _child(record, intro, "introduction", 0, record.metadata.get("title", ""), "")
    for part, (span, following) in enumerate(zip(spans, [*spans[1:], None], strict=True), start=1):
        # Text between two stories, or after the last, belongs to the story before it.
        end = following.start if following else len(text)
        teaser = strip_markers(text[span.start + len(span.title) : end]).strip()
        yield _child(record, teaser, "story", part, span.title, span.url)


def _child(parent: Record, text: str, role: str, part: int, title: str, url: str) -> Record:
    metadata = {**parent.metadata, "title": title, "items": []}
    metadata.update(parent_id=parent.id, part=part, role=role)
    if url:
        metadata["url"] = url
    return Record(id=f"{parent.id}#{part}", text=text, source=parent.source, metadata=metadata)


def split_records(
    records: Iterable[Record], config: SplitConfig = SplitConfig(), jobs: int = 1
) -> Iterator[Record]:
    """The split stage, on ``jobs`` processes."""
    parts = parallel_map(functools.partial(_split_list, config=config), records, jobs)
    return itertools.chain.from_iterable(parts)


def clean_split_records(
    records: Iterable[Record], cleaning: CleanConfig, splitting: SplitConfig, jobs: int = 1
) -> Iterator[Record]:
    """``split_records(clean_records(records))``, both done by the same worker for a record.

    Clean's ``repeated_lines`` must see every cleaned record before one is written: then the
    two stages run one after the other.
    """
    if cleaning.repeated_lines:
        return split_records(clean_records(records, cleaning, jobs), splitting, jobs)
    work = functools.partial(_clean_split_list, cleaning=cleaning, splitting=splitting)
    return itertools.chain.from_iterable(parallel_map(work, records, jobs))


def _split_list(record: Record, config: SplitConfig) -> list[Record]:
    return list(split_record(record, config))


def _clean_split_list(
    record: Record, cleaning: CleanConfig, splitting: SplitConfig
) -> list[Record]:
    return _split_list(clean_record(record, cleaning), splitting)
