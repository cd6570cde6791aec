"""Boilerplate learned from the corpus: lines that repeat across many pages of one source.

As in C4-style pipelines, a line found verbatim in ``min_documents`` or more documents of the
same source (a footer, a disclaimer) is removed even when no rule names it. Two passes: the
first spools the records to a temporary file and counts each line's documents by a 64-bit
hash; the second reads the spool back and removes the repeated lines. Memory holds the
counts, not the texts.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from urllib.parse import urlparse

import xxhash

from ..digest import locate_stories
from ..io import encode_line
from ..record import Record
from .normalize import normalize_whitespace


def source_group(record: Record) -> str:
    """Which site a record comes from: its URL's host, else the folder of its file."""
    url = record.metadata.get("url")
    if isinstance(url, str) and url:
        host = urlparse(url).hostname
        if host:
            return host
    folder = os.path.dirname(record.source)
    return folder or record.source


def _line_key(group: str, line: str) -> int:
    return xxhash.xxh3_64_intdigest(f"{group}\0{line}".encode("utf-8", "surrogatepass"))


def _document_lines(record: Record) -> set[int]:
    group = source_group(record)
    return {_line_key(group, line.strip()) for line in record.text.split("\n") if line.strip()}


def remove_repeated_lines(
    records: Iterable[Record], min_documents: int, explain: bool = False
) -> Iterator[Record]:
    """Records with every line that ``min_documents`` documents of their source share removed."""
    if min_documents < 2:
        raise ValueError("min_documents must be at least 2")
    counts: Counter[int] = Counter()
    with tempfile.TemporaryFile() as spool:
        for record in records:
            counts.update(_document_lines(record))
            spool.write(encode_line(record))
        spool.seek(0)
        repeated = {key for key, count in counts.items() if count >= min_documents}
        del counts
        for line in spool:
            record = Record.from_dict(json.loads(line), "", "")
            yield _without_repeated(record, repeated, explain)


def _without_repeated(record: Record, repeated: set[int], explain: bool) -> Record:
    group = source_group(record)
    kept, removed = [], []
    for line in record.text.split("\n"):
        if line.strip() and _line_key(group, line.strip()) in repeated:
            removed.append({"rule": "repeated-line", "text": line.strip()})
        else:
            kept.append(line)
    if not removed:
        return record
    items = record.metadata.get("items") or []
    stories = [
        (
            item["title"],
            record.text[item["start"] + len(item["title"]) : item["end"]].strip(),
            item["url"],
        )
        for item in items
    ]
    record.text = normalize_whitespace("\n".join(kept))
    if items:
        record.metadata["items"] = locate_stories(record.text, stories)
    if explain:
        record.metadata.setdefault("removed", []).extend(removed)
    return record
