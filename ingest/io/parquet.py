"""Writing Parquet (``-o corpus.parquet``): the JSONL columns, metadata as a fixed struct.

pyarrow is an optional extra (``pip install 'ingest[parquet]'``). A column has one type on
every row, so ``metadata`` is a struct of the keys the stages write (README, Record schema);
keys outside it, and values of another type than the schema's, go to ``metadata.extra`` as
one JSON object, so that nothing an input carried is lost and nothing breaks the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from ..errors import IngestError
from ..record import Record, json_text
from .inputs import LONE_SURROGATE

if TYPE_CHECKING:
    import pyarrow as pa

ROWS_PER_BATCH = 2048
EXTRA = "extra"
MISSING_PYARROW = "writing Parquet needs pyarrow: pip install 'ingest[parquet]'"


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise IngestError(MISSING_PYARROW) from None
    return pyarrow


def metadata_type(pa: Any) -> pa.StructType:
    """The ``metadata`` struct: every key a stage writes, with the type the README gives."""
    text, integer, number = pa.string(), pa.int64(), pa.float64()
    return pa.struct(
        [
            ("content_type", text),
            ("encoding", text),
            ("encoding_confidence", number),
            ("declared_encoding", text),
            ("decode_method", text),
            ("replaced_bytes", integer),
            ("repairs", pa.list_(text)),
            *[(key, text) for key in ("title", "date", "author", "publisher", "url", "dateline")],
            ("crawl_date", text),
            ("feed", text),
            ("empty_reason", text),
            (
                "items",
                pa.list_(
                    pa.struct(
                        [
                            ("title", text),
                            ("start", integer),
                            ("end", integer),
                            ("url", text),
                            # a feed's items also carry these (null for a digest page's)
                            ("date", text),
                            ("author", text),
                        ]
                    )
                ),
            ),
            ("removed", pa.list_(pa.struct([("rule", text), ("text", text)]))),
            ("parent_id", text),
            ("part", integer),
            ("role", text),
            (
                "dedupe",
                pa.struct([("cluster", text), ("duplicate_of", text), ("similarity", number)]),
            ),
            (EXTRA, text),
        ]
    )


def record_schema(pa: Any) -> pa.Schema:
    return pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("source", pa.string()),
            ("metadata", metadata_type(pa)),
        ]
    )


def write_parquet_stream(records: Iterable[Record], stream: IO[bytes]) -> int:
    """Write ``records`` as Parquet to an open binary stream; returns the count."""
    pa = _pyarrow()
    schema = record_schema(pa)
    count = 0
    writer = pa.parquet.ParquetWriter(stream, schema)
    try:
        for rows in _batches((row(r, schema) for r in records), ROWS_PER_BATCH):
            writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=schema))
            count += len(rows)
    finally:
        writer.close()
    return count


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def row(record: Record, schema: pa.Schema) -> dict[str, Any]:
    """One record as a row of ``schema``: metadata split into the struct and ``extra``."""
    struct = schema.field("metadata").type
    known: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in record.metadata.items():
        index = struct.get_field_index(key)
        fits, conformed = (
            (False, None) if key == EXTRA or index < 0 else _fit(value, struct.field(index).type)
        )
        if fits:
            known[key] = conformed
        else:
            extra[key] = value
    # Valid JSON as a JSONL line is (NaN as null), or an error naming the record and key.
    known[EXTRA] = _clean(json_text(extra, record.id, extra, sort_keys=True)) if extra else ""
    return {
        "id": _clean(record.id),
        "text": _clean(record.text),
        "source": _clean(record.source),
        "metadata": known,
    }


def _fit(value: Any, kind: Any) -> tuple[bool, Any]:
    """Whether ``value`` has the Arrow type ``kind``, and the value as that type."""
    import pyarrow as pa

    if value is None:
        return True, None
    if pa.types.is_string(kind):
        return isinstance(value, str), _clean(value) if isinstance(value, str) else None
    if pa.types.is_int64(kind):
        fits = isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
        return fits, value
    if pa.types.is_float64(kind):
        fits = isinstance(value, int | float) and not isinstance(value, bool)
        return fits, float(value) if fits else None
    if pa.types.is_list(kind):
        return _fit_list(value, kind.value_type)
    if pa.types.is_struct(kind):
        return _fit_struct(value, kind)
    return False, None


def _fit_list(value: Any, item_type: Any) -> tuple[bool, Any]:
    if not isinstance(value, list):
        return False, None
    items = [_fit(item, item_type) for item in value]
    return all(fits for fits, _ in items), [item for _, item in items]


def _fit_struct(value: Any, kind: Any) -> tuple[bool, Any]:
    if not isinstance(value, dict) or any(kind.get_field_index(k) < 0 for k in value):
        return False, None
    fields = {
        key: _fit(item, kind.field(kind.get_field_index(key)).type) for key, item in value.items()
    }
    return all(fits for fits, _ in fields.values()), {k: v for k, (_, v) in fields.items()}


def _clean(text: str) -> str:
    """Arrow strings are UTF-8: lone surrogates become U+FFFD, as in the JSONL."""
    return LONE_SURROGATE.sub("\ufffd", text)
