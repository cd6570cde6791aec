"""Reading inputs: files, folders, globs and stdin; raw documents or JSONL; compressed or not."""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import json
import lzma
import os
import re
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import xxhash
import zstandard

from ..clean.feed import is_feed
from ..encoding import decode_bytes
from ..errors import BinaryInputError, InputError
from ..record import Record
from .warc import WARC_MAGIC, is_warc_name, read_warc_file, read_warc_stream

STDIN = "-"
STDIN_NAME = "<stdin>"
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
COMPRESSION_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd", ".zstd": "zstd"}
MAGIC_NUMBERS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|\?xml)", re.I | re.S
)
# Bytes a raw document may not exceed: larger "documents" are dumps, not pages.
ANY_TAG = re.compile(rb"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|!--|!doctype)", re.I)
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)

ErrorHandler = Callable[[InputError], None]


def raise_error(error: InputError) -> None:
    """The library's default error handler: stop at the first bad input."""
    raise error


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read, and the id its raw document gets (its path below the argument)."""

    path: str
    relative: str


def expand_inputs(arguments: Iterable[str]) -> Iterator[InputFile]:
    """Files named by ``arguments``: files, folders (recursive, sorted), globs, ``-``.

    Raises ``InputError`` (through the iterator) for an argument that names nothing.
    """
    for argument in arguments:
        yield from expand_argument(argument)


def expand_argument(argument: str) -> Iterator[InputFile]:
    """The files one argument names; ``InputError`` at once if it names nothing.

    The check comes before the iterator, so that a caller can report a bad argument and go
    on with the next one (a generator that raises is over).
    """
    if argument == STDIN:
        return iter([InputFile(STDIN, STDIN_NAME)])
    if os.path.isdir(argument):
        return _walk(argument)
    if os.path.exists(argument):
        return iter([InputFile(argument, os.path.basename(argument))])
    if glob.has_magic(argument):
        return _expand_glob(argument)
    raise InputError(argument, "no such file or directory")


def _walk(root: str) -> Iterator[InputFile]:
    for path in _sorted_files(root):
        yield InputFile(path, Path(os.path.relpath(path, root)).as_posix())


def _sorted_files(folder: str) -> Iterator[str]:
    """Files below ``folder`` in one path order (``b/a.txt`` before ``c.txt``)."""
    # Hidden files and folders (.git, .DS_Store) are tooling, not documents.
    with os.scandir(folder) as entries:
        names = sorted((e.name, e.is_dir()) for e in entries if not e.name.startswith("."))
    for name, is_dir in names:
        path = os.path.join(folder, name)
        if is_dir:
            yield from _sorted_files(path)
        else:
            yield path


def _expand_glob(pattern: str) -> Iterator[InputFile]:
    matches = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    if not matches:
        raise InputError(pattern, "no file matches this pattern")
    base = _static_prefix(pattern)
    return (InputFile(path, Path(os.path.relpath(path, base)).as_posix()) for path in matches)


def _static_prefix(pattern: str) -> str:
    """The folder part of a glob before its first wildcard."""
    parts = Path(pattern).parts
    static = parts[: next(i for i, p in enumerate(parts) if glob.has_magic(p))]
    return os.path.join(*static) if static else "."


def compression_of(path: str) -> str | None:
    return COMPRESSION_SUFFIXES.get(Path(path).suffix.lower())


def _stem_suffix(path: str) -> str:
    """The suffix that says what a file holds, under any compression suffix."""
    p = Path(path)
    if p.suffix.lower() in COMPRESSION_SUFFIXES:
        p = Path(p.stem)
    return p.suffix.lower()


class _Replay(io.RawIOBase):
    """A stream that yields ``head`` again before the rest of ``stream``: lets us sniff stdin."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        chunk = self._stream.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _sniff(stream: IO[bytes], size: int) -> tuple[bytes, BinaryIO]:
    head = b""
    while len(head) < size:
        chunk = stream.read(size - len(head))
        if not chunk:
            break
        head += chunk
    return head, io.BufferedReader(_Replay(head, stream))


def _decompress(stream: BinaryIO, compression: str | None) -> BinaryIO:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.BZ2File(stream, mode="rb")  # type: ignore[return-value]
    if compression == "xz":
        return lzma.LZMAFile(stream, mode="rb")  # type: ignore[return-value]
    if compression == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
        return io.BufferedReader(reader)
    return stream


@contextmanager
def open_input(path: str) -> Iterator[BinaryIO]:
    """A binary stream of ``path`` (``-`` for stdin), decompressed by suffix or magic number."""
    if path == STDIN:
        head, stream = _sniff(sys.stdin.buffer, 6)
        compression = next((c for magic, c in MAGIC_NUMBERS if head.startswith(magic)), None)
        yield _decompress(stream, compression)
        return
    with open(path, "rb") as raw:
        yield _decompress(raw, compression_of(path))


def read_records(
    inputs: Iterable[str] = (STDIN,),
    *,
    encoding: str | None = None,
    on_error: ErrorHandler = raise_error,
    skipped: Counter[str] | None = None,
) -> Iterator[Record]:
    """Records from files, folders, globs and ``-``: raw documents, JSONL and web archives.

    Each bad input goes to ``on_error`` (which may raise to stop) and the rest are read.
    WARC responses that are not documents (redirects, images...) are counted in ``skipped``.
    Ids are made unique: a repeated id becomes ``<source>`` for a file, ``<path>:<line>`` for a
    JSONL line.
    """
    seen = _SeenIds()
    for argument in list(inputs) or [STDIN]:
        try:
            files = expand_argument(argument)
        except InputError as error:
            on_error(error)
            continue
        for item in files:
            for record in _read_file(item, encoding, on_error, skipped):
                yield seen.unique(record)


def _read_file(
    item: InputFile, encoding: str | None, on_error: ErrorHandler, skipped: Counter[str] | None
) -> Iterator[Record]:
    where = STDIN_NAME if item.path == STDIN else item.path
    try:
        with open_input(item.path) as stream:
            if item.path != STDIN and is_warc_name(_stem_suffix(item.path)):
                yield from read_warc_file(item.path, stream, where, on_error, skipped, encoding)
                return
            if item.path == STDIN:
                head, stream = _sniff(stream, 4096)
                if not head:
                    return  # nothing piped in: no document, not an empty one
                if head.startswith(WARC_MAGIC):
                    yield from read_warc_stream(stream, where, on_error, skipped, encoding)
                    return
                is_jsonl = head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"{")
            else:
                is_jsonl = _stem_suffix(item.path) in JSONL_SUFFIXES
            if is_jsonl:
                yield from _read_jsonl(stream, where, on_error)
            else:
                yield _read_document(stream, item, where, encoding)
    except READ_ERRORS as error:
        on_error(InputError(where, _describe_read_error(error)))
    except BinaryInputError as error:
        on_error(InputError(where, str(error)))


def _describe_read_error(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "compressed data is truncated"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return f"cannot read: {error}"


def _read_document(stream: BinaryIO, item: InputFile, where: str, encoding: str | None) -> Record:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise BinaryInputError(f"larger than {MAX_DOCUMENT_BYTES >> 20} MiB: not a document")
    decoded = decode_bytes(data, encoding)
    return Record(
        id=item.relative,
        text=decoded.text,
        source=where,
        metadata={
            "content_type": _content_type(item.path, data, decoded.text),
            "encoding": decoded.encoding,
            "encoding_confidence": decoded.confidence,
            "declared_encoding": decoded.declared_encoding,
            "decode_method": decoded.method,
            "replaced_bytes": decoded.replaced,
        },
    )


def _content_type(path: str, data: bytes, text: str) -> str:
    """``feed`` (RSS, Atom) or ``html`` by what the document starts with, whatever its name;
    ``html`` also by its suffix; else ``text``."""
    if is_feed(text):
        return "feed"
    return "html" if _is_html(path, data) else "text"


def _is_html(path: str, data: bytes) -> bool:
    """HTML by its start, or by its suffix when it has tags (a .html file may hold text)."""
    if HTML_START.match(data[:2048]):
        return True
    return _stem_suffix(path) in HTML_SUFFIXES and bool(ANY_TAG.search(data[:65536]))


def _read_jsonl(stream: BinaryIO, where: str, on_error: ErrorHandler) -> Iterator[Record]:
    for number, line in enumerate(stream, start=1):
        try:
            record = parse_jsonl_line(line, where, number)
        except InputError as error:
            on_error(error)
            continue
        if record is not None:
            yield record


def parse_jsonl_line(line: bytes, where: str, number: int) -> Record | None:
    """The record on line ``number`` (from 1) of JSONL file ``where``; ``None`` if blank.

    Raises ``InputError`` for a line that is not a JSON record.
    """
    if number == 1:
        line = line.removeprefix(b"\xef\xbb\xbf")
    if not line.strip():
        return None
    try:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return Record.from_dict(data, f"{where}:{number}", where)
    except UnicodeDecodeError:
        raise InputError(f"{where}:{number}", "line is not valid UTF-8") from None
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise InputError(f"{where}:{number}", f"malformed JSONL record: {error}") from None


class _SeenIds:
    """Keeps ids unique within a run by remembering 8-byte hashes, not the ids themselves."""

    def __init__(self) -> None:
        self._hashes: set[int] = set()

    def unique(self, record: Record) -> Record:
        if self._add(record.id):
            return record
        fallback = record.source if record.id != record.source else f"{record.source}#dup"
        n = 1
        candidate = fallback
        while not self._add(candidate):
            n += 1
            candidate = f"{fallback}~{n}"
        record.id = candidate
        return record

    def _add(self, record_id: str) -> bool:
        key = xxhash.xxh3_64_intdigest(record_id.encode("utf-8", "surrogatepass"))
        if key in self._hashes:
            return False
        self._hashes.add(key)
        return True
