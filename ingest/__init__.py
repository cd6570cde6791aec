"""ingest: messy document dumps in, a clean, deduplicated JSONL corpus out."""

from __future__ import annotations

__version__ = "0.1.0"

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
