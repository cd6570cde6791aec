"""The one record type every stage reads and writes."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import xxhash

#: Top-level keys of a serialized record, in the order they are written.
RECORD_KEYS = ("id", "text", "source", "metadata")


@dataclass(slots=True)
class Record:
    """A document: close to the dolma / datatrove format.

    >>> Record(id="a.txt", text="Hello").to_dict()
    {'id': 'a.txt', 'text': 'Hello', 'source': '', 'metadata': {}}
    """

    id: str
    text: str
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any], default_id: str, default_source: str) -> Record:
        """Build a record from a parsed JSON object, keeping unknown keys in ``metadata``.

        Raises ``ValueError`` with a user-facing message when the object is not a record.
        """
        text = data.get("text")
        if not isinstance(text, str):
            raise ValueError('record has no string "text" field')
        metadata = data.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ValueError('"metadata" must be a JSON object')
        metadata = dict(metadata)
        for key, value in data.items():
            if key not in RECORD_KEYS:
                metadata.setdefault(key, value)
        record_id = data.get("id")
        if record_id is None or record_id == "":
            record_id = default_id
        elif not isinstance(record_id, str | int):
            raise ValueError('"id" must be a string or an integer')
        source = data.get("source")
        if not isinstance(source, str) or not source:
            source = default_source
        return cls(id=str(record_id), text=text, source=source, metadata=metadata)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "source": self.source, "metadata": self.metadata}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


def url_host(record: Record) -> str:
    """The host of ``metadata.url``, or ``""``: which site a record comes from, when known.

    Lines that repeat across a site's pages are its boilerplate; a story syndicated by many
    sites appears about once per site. Stages that learn boilerplate count within a site.
    """
    url = record.metadata.get("url")
    if isinstance(url, str) and url:
        return urlparse(url).hostname or ""
    return ""


def source_group(record: Record) -> str:
    """The site of a record: its URL's host, else the folder of its file (or its source)."""
    return url_host(record) or os.path.dirname(record.source) or record.source


def site_line_key(site: str, line: str) -> int:
    """A 64-bit key of a line within a site: to count on how many of its pages it appears."""
    return xxhash.xxh3_64_intdigest(f"{site}\0{line}".encode("utf-8", "surrogatepass"))
