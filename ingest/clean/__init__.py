"""``ingest clean``: decoded text -> repaired, normalized text without the site around it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..record import Record
from .normalize import normalize_text

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


@dataclass(frozen=True, slots=True)
class CleanConfig:
    """Options of the clean stage.

    Attributes:
        repair_mojibake: undo text decoded with the wrong codec before it reached us (ftfy).
        unescape_entities: decode HTML entities (``&amp;``) left in plain-text documents.
    """

    repair_mojibake: bool = True
    unescape_entities: bool = True


def clean_record(record: Record, config: CleanConfig = CleanConfig()) -> Record:
    """Clean one record in place and return it."""
    metadata = record.metadata
    for key, default in DECODE_DEFAULTS.items():
        metadata.setdefault(key, default)
    text, repairs = normalize_text(
        record.text, repair=config.repair_mojibake, entities=config.unescape_entities
    )
    record.text = text
    metadata["repairs"] = _merge(metadata.get("repairs"), repairs)
    return record


def _merge(previous: Any, repairs: list[str]) -> list[str]:
    """Repairs of an earlier clean are kept: cleaning twice must not forget what was fixed."""
    kept = [str(r) for r in previous] if isinstance(previous, list) else []
    return kept + [r for r in repairs if r not in kept]


def clean_records(
    records: Iterable[Record], config: CleanConfig = CleanConfig()
) -> Iterator[Record]:
    """The clean stage: one cleaned record for each record in."""
    for record in records:
        yield clean_record(record, config)
