"""ingest: messy document dumps in, a clean, deduplicated JSONL corpus out."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each name is imported from its module on first use, so that importing ingest (and running
# `ingest --help`) does not load trafilatura, ftfy and numpy up front.
_EXPORTS = {
    "CleanConfig": ".clean",
    "clean_records": ".clean",
    "DedupeConfig": ".dedupe",
    "Deduplicator": ".dedupe",
    "dedupe_records": ".dedupe",
    "IngestError": ".errors",
    "InputError": ".errors",
    "read_records": ".io",
    "write_records": ".io",
    "Record": ".record",
    "SplitConfig": ".split",
    "split_records": ".split",
}

if TYPE_CHECKING:
    from .clean import CleanConfig, clean_records
    from .dedupe import DedupeConfig, Deduplicator, dedupe_records
    from .errors import IngestError, InputError
    from .io import read_records, write_records
    from .record import Record
    from .split import SplitConfig, split_records

__all__ = [
    "CleanConfig",
    "DedupeConfig",
    "Deduplicator",
    "IngestError",
    "InputError",
    "Record",
    "SplitConfig",
    "__version__",
    "clean_records",
    "dedupe_records",
    "read_records",
    "split_records",
    "write_records",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
