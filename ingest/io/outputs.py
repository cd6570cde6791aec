"""Writing JSONL: to stdout, or atomically to a file, compressed by its suffix."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import IO, Any

import zstandard

from ..errors import IngestError
from ..record import Record
from .inputs import STDIN, compression_of

SURROGATES = re.compile(r"[\ud800-\udfff]")


def encode_line(record: Record) -> bytes:
    """One JSONL line; lone surrogates (from JSON ``\\ud800`` escapes) become U+FFFD."""
    line = record.to_json()
    try:
        return line.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return SURROGATES.sub("\ufffd", line).encode("utf-8") + b"\n"


def write_records(records: Iterable[Record], output: str | None = None) -> int:
    """Write ``records`` as JSONL to ``output`` (stdout if ``None`` or ``-``), or as Parquet to
    a ``.parquet`` file; returns the count.

    A file is written to a temporary file beside it and renamed into place only when every
    record was written, so a failed run never leaves half a corpus or truncates an old one.
    """
    if output is None or output == STDIN:
        return _write_stream(records, sys.stdout.buffer)
    if output.lower().endswith(".parquet"):
        from .parquet import write_parquet  # pyarrow is an optional extra: imported on use

        return write_parquet(records, output)
    with atomic_output(output) as stream:
        return _write_stream(records, stream)


def _write_stream(records: Iterable[Record], stream: IO[bytes]) -> int:
    count = 0
    for record in records:
        stream.write(encode_line(record))
        count += 1
    stream.flush()
    return count


def check_output_folder(path: str) -> str:
    """The folder ``path`` will be written in; ``IngestError`` if there is none."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise IngestError(f"{path}: the folder for the output does not exist")
    return folder


@contextmanager
def atomic_output(path: str) -> Iterator[IO[bytes]]:
    """A binary stream (compressed by ``path``'s suffix) that replaces ``path`` on success."""
    folder = check_output_folder(path)
    fd, temporary = tempfile.mkstemp(prefix=".ingest-", suffix=".tmp", dir=folder)
    try:
        # mkstemp makes a private file; the output gets the mode a new file would have.
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as raw, _compress(raw, compression_of(path)) as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Each wraps the output file without taking ownership of it. gzip gets mtime=0 and no file
# name in its header, so the same records always give the same bytes.
# (Typed loosely: typeshed's GzipFile and zstandard's writer are not IO[bytes], though each
# is a binary stream with write() and a context manager.)
COMPRESSED_WRITERS: dict[str, Callable[[IO[bytes]], Any]] = {
    "gzip": lambda raw: gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0),
    "bz2": lambda raw: bz2.BZ2File(raw, mode="wb"),
    "xz": lambda raw: lzma.LZMAFile(raw, mode="wb"),  # noqa: SIM115
    "zstd": lambda raw: zstandard.ZstdCompressor().stream_writer(raw, closefd=False),
}


def _compress(raw: IO[bytes], compression: str | None) -> AbstractContextManager[IO[bytes]]:
    if compression is None:
        return nullcontext(raw)
    return COMPRESSED_WRITERS[compression](raw)
