"""Boilerplate learned from the corpus: lines that repeat across many pages of one source.

As in C4-style pipelines, a line found verbatim in ``min_documents`` or more documents of the
same source (a footer, a disclaimer) is removed even when no rule names it. Two passes: the
first spools the records to a temporary file and counts each line's documents by a 64-bit
hash; the second reads the spool back and removes the repeated lines. Memory holds the
counts, not the texts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ..checks import sent_by_pickle
from ..digest import locate_stories
from ..record import Record, site_line_key, source_group
from ..spool import Spool
from .normalize import normalize_whitespace


def _document_lines(record: Record) -> set[int]:
    group = source_group(record)
    return {site_line_key(group, line.strip()) for line in record.text.split("\n") if line.strip()}


def remove_repeated_lines(
    records: Iterable[Record], min_documents: int, explain: bool = False
) -> Iterator[Record]:
    """Records with every line that ``min_documents`` documents of their source share removed."""
    if min_documents < 2:
        raise ValueError("min_documents must be at least 2")
    counts: Counter[int] = Counter()
    with Spool() as spool:
        for record in sent_by_pickle("clean_records", records, spool.extend):
            counts.update(_document_lines(record))
        repeated = {key for key, count in counts.items() if count >= min_documents}
        del counts
        for record in spool:
            yield _without_repeated(record, repeated, explain)


def _without_repeated(record: Record, repeated: set[int], explain: bool) -> Record:
    group = source_group(record)
    kept, removed = [], []
    for line in record.text.split("\n"):
        if line.strip() and site_line_key(group, line.strip()) in repeated:
            removed.append({"rule": "repeated-line", "text": line.strip()})
        else:
            kept.append(line)
    if not removed:
        return record
    items = record.metadata.get("items") or []
    stories = _stories(items, record.text)
    record.text = normalize_whitespace("\n".join(kept))
    if items:
        record.metadata["items"] = locate_stories(record.text, stories)
    if explain:
        record.metadata.setdefault("removed", []).extend(removed)
    return record


def _stories(items: Any, text: str) -> list[tuple[str, str, str]]:
    """``metadata.items`` as (title, teaser, url), to find again in the new text; an item
    that is not one (malformed input) is left out rather than stopping the run."""
    stories = []
    for item in items if isinstance(items, list) else []:
        try:
            title, start, end = item["title"], item["start"], item["end"]
            teaser = text[start + len(title) : end].strip()
            stories.append((str(title), teaser, str(item.get("url", ""))))
        except (KeyError, TypeError, AttributeError):
            continue
    return stories
