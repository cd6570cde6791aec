"""Reading inputs: files, folders, globs and stdin; raw documents or JSONL; compressed or not."""

from __future__ import annotations

import bz2
import codecs
import errno
import glob
import gzip
import io
import json
import lzma
import math
import operator
import os
import re
import stat
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar, cast

import xxhash
import zstandard

from ..checks import check_paths
from ..encoding import decode_bytes, normalize_encoding_name
from ..errors import BinaryInputError, InputError
from ..parallel import close
from ..record import Record
from ..sniff import is_feed
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
# What encode_line writes as U+FFFD (outputs and parquet use it; both import this module).
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
HTML_START = re.compile(
    rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|\?xml)", re.I | re.S
)
# Bytes a raw document may not exceed: larger "documents" are dumps, not pages.
ANY_TAG = re.compile(rb"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|!--|!doctype)", re.I)
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
# A document is read in pieces from this size up (growing fourfold), not into one buffer of
# MAX_DOCUMENT_BYTES: small enough to come from the heap, not from a fresh mapping.
READ_PIECE_BYTES = 64 * 1024
# A JSONL record gets the same cap: one line must not take gigabytes to parse.
MAX_RECORD_BYTES = MAX_DOCUMENT_BYTES
# An input file's read buffer: JSONL lines of a few KB each read 2.5x faster than through
# the default 8 KiB (fewer system calls); small files pay one allocation.
READ_BUFFER = 1 << 16
# Deeper JSON is no document; and serializing it again would exhaust the stack.
MAX_JSON_DEPTH = 200
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError)
# Compressed bytes fed to the zstd decoder at a time: bounds what one call can inflate to.
ZSTD_CHUNK = 4096
# JSONL in UTF-16 or UTF-32 (Windows tools write it): how it starts -> its codec.
WIDE_JSONL_STARTS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"{\x00", "utf-16-le"),
    (b"\x00{", "utf-16-be"),
)

ErrorHandler = Callable[[InputError], None]


def raise_error(error: InputError) -> None:
    """The library's default error handler: stop at the first bad input."""
    raise error


T = TypeVar("T")


def _pickled_by_fields(cls: type[T]) -> type[T]:
    """``cls`` pickled as its class and its fields' values (what its ``__init__`` takes).

    What crosses between the processes of ``-j N`` (raw documents out, results back, a few
    per document): a slots dataclass's own pickling goes through Python-level
    ``__getstate__``/``__setstate__``, about half the cost of each of these transfers. The
    objects come back equal, as before."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    values = operator.attrgetter(*names)  # a tuple of them, for two names or more

    def reduce(self: T) -> tuple[type[T], tuple[object, ...]]:
        return cls, values(self) if len(names) > 1 else (values(self),)

    setattr(cls, "__reduce__", reduce)  # noqa: B010  (mypy refuses assigning to a method)
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to read, and the id its raw document gets (its path below the argument);
    ``regular``: a folder's listing found it a regular file (so it need not be looked at
    again to know it is no pipe or device)."""

    path: str
    relative: str
    regular: bool = False


@_pickled_by_fields
@dataclass(slots=True)
class InputReport:
    """What reading found besides records: inputs read, entries of folders left out, and
    inputs that failed after some of their records were given out (those may be damaged)."""

    files_read: int = 0
    hidden_skipped: int = 0
    special_skipped: int = 0
    damaged: int = 0
    # The files the run writes, (device, inode), when they are in a folder being read: left
    # out (read, a run's output would be read back into it, more at each run).
    outputs: frozenset[tuple[int, int]] = frozenset()
    output_skipped: int = 0


@dataclass(frozen=True, slots=True)
class _Walk:
    """One folder walk: what it may read, whom it tells, what it has seen."""

    on_error: ErrorHandler
    report: InputReport
    hidden: bool
    seen: dict[tuple[int, int], str]


def expand_inputs(
    arguments: Iterable[str], *, hidden: bool = False, on_error: ErrorHandler = raise_error
) -> Iterator[InputFile]:
    """Files named by ``arguments``: files, folders (recursive, sorted), globs, ``-``.

    Raises ``InputError`` (through the iterator) for an argument that names nothing.
    """
    for argument in arguments:
        yield from expand_argument(argument, hidden=hidden, on_error=on_error)


def expand_argument(
    argument: str,
    *,
    hidden: bool = False,
    on_error: ErrorHandler = raise_error,
    report: InputReport | None = None,
) -> Iterator[InputFile]:
    """The files one argument names; ``InputError`` at once if it names nothing.

    The check comes before the iterator, so that a caller can report a bad argument and go
    on with the next one (a generator that raises is over). In folders, hidden entries
    (``.git``, ``.DS_Store``: tooling, not documents) are left out unless ``hidden``, and so
    are FIFOs and devices (a FIFO would wait forever for a writer); both are counted in
    ``report``. A folder reached a second time through a link (a loop) goes to ``on_error``.
    """
    if argument == STDIN:
        return iter([InputFile(STDIN, STDIN_NAME)])
    if os.path.isdir(argument):
        return _walk(argument, _Walk(on_error, report or InputReport(), hidden, {}))
    if os.path.exists(argument):
        return iter([InputFile(argument, os.path.basename(argument))])
    if glob.has_magic(argument):
        return _expand_glob(argument, hidden)
    raise InputError(argument, "no such file or directory")


def _walk(root: str, walk: _Walk) -> Iterator[InputFile]:
    return _sorted_files(root, "", walk)


def _sorted_files(folder: str, relative: str, walk: _Walk) -> Iterator[InputFile]:
    """Files below ``folder`` in one path order (``b/a.txt`` before ``c.txt``), each with its
    path below the walk's root: the names joined by ``/`` (what
    ``Path(os.path.relpath(path, root)).as_posix()`` gives, without its cost a file)."""
    try:
        names = _folder_entries(folder, walk)
    except OSError as error:
        walk.on_error(InputError(folder, f"cannot read this folder: {_describe_read_error(error)}"))
        return
    for name, kind in names:
        path = os.path.join(folder, name)
        below = f"{relative}/{name}" if relative else name
        if kind == "folder":
            yield from _sorted_files(path, below, walk)
        elif kind in ("file", "regular"):
            yield InputFile(path, below, regular=kind == "regular")
        else:
            walk.report.special_skipped += 1


def _folder_entries(folder: str, walk: _Walk) -> list[tuple[str, str]]:
    """The entries of ``folder`` to read, sorted, each ``folder``, ``regular`` (a regular
    file, or a link to one), ``file`` (another to read, such as a dangling link) or ``special``;
    none for a folder already read (a link back to a parent would loop)."""
    info = os.stat(folder)
    key = (info.st_dev, info.st_ino)
    if key in walk.seen:
        first = walk.seen[key]
        walk.on_error(InputError(folder, f"the same folder as {first} (a link): not read twice"))
        return []
    walk.seen[key] = folder
    entries = []
    outputs = walk.report.outputs
    with os.scandir(folder) as scan:
        for entry in scan:
            if entry.name.startswith(".") and not walk.hidden:
                walk.report.hidden_skipped += 1
            elif outputs and _identity(entry, info.st_dev) in outputs:
                walk.report.output_skipped += 1
            else:
                entries.append((entry.name, _kind(entry)))
    return sorted(entries)


def _identity(entry: os.DirEntry[str], device: int) -> tuple[int, int] | None:
    """(device, inode) of what ``entry`` names: a link's target, not the link."""
    if not entry.is_symlink():
        return (device, entry.inode())
    try:
        found = entry.stat()
    except OSError:
        return None  # a dangling link names no file
    return (found.st_dev, found.st_ino)


def _kind(entry: os.DirEntry[str]) -> str:
    try:
        if entry.is_dir():
            return "folder"
        if entry.is_file():
            return "regular"
        if not os.path.exists(entry.path):
            return "file"  # a dangling link is read, to be reported as missing
    except OSError:
        return "file"  # whatever is wrong with it is reported when it is read
    return "special"


def _expand_glob(pattern: str, hidden: bool = False) -> Iterator[InputFile]:
    matches = sorted(
        p for p in glob.glob(pattern, recursive=True, include_hidden=hidden) if os.path.isfile(p)
    )
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
    return COMPRESSION_SUFFIXES.get(_suffix(_name(path)).lower())


def _stem_suffix(path: str) -> str:
    """The suffix that says what a file holds, under any compression suffix."""
    name = _name(path)
    suffix = _suffix(name)
    if suffix.lower() in COMPRESSION_SUFFIXES:
        suffix = _suffix(_name(name[: -len(suffix)]))
    return suffix.lower()


# ``Path(path).name`` and ``.suffix`` without building a Path (three a file read, they were a
# third of the time a plain-text file took to read): the same strings, as
# tests/test_text_shortcuts.py checks.
def _name(path: str) -> str:
    """The last part of ``path`` that names something (``a/b/`` and ``a/b/.``: ``b``)."""
    return next((part for part in reversed(path.split("/")) if part and part != "."), "")


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


class _Replay(io.RawIOBase):
    """A stream that yields ``head`` again before the rest of ``stream``: lets us sniff stdin."""

    def __init__(self, head: bytes, stream: IO[bytes], error: Exception | None = None) -> None:
        # A view: giving out the head in small reads must not copy what is left each time.
        self._head = memoryview(head)
        self._stream = stream
        self._error = error  # met while the head was read: raised once the head is out

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if self._error is not None:
            raise self._error
        # read1: what one read of the stream under it gives. A decompressor's read(n) gathers
        # n bytes over several reads, and an error in a later one (a cut or corrupt end) lost
        # what the earlier ones had decompressed: whole records before the damage.
        read = getattr(self._stream, "read1", self._stream.read)
        chunk = read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _sniff(stream: IO[bytes], size: int) -> tuple[bytes, BinaryIO]:
    """The first ``size`` bytes of ``stream`` (fewer at its end), and a stream of all of it.

    A read error in those bytes (a cut or corrupt compressed stream shorter than ``size``)
    comes after the bytes read before it, as it would without the sniffing.
    """
    head = b""
    read = getattr(stream, "read1", stream.read)
    error = None
    while len(head) < size:
        try:
            chunk = read(size - len(head))
        except READ_ERRORS as found:
            if not head:
                raise  # nothing to give first (and no input is not "nothing piped in")
            error = found
            break
        if not chunk:
            break
        head += chunk
    return head, io.BufferedReader(_Replay(head, stream, error))


def _decompress(stream: BinaryIO, compression: str | None) -> BinaryIO:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.BZ2File(stream, mode="rb")  # type: ignore[return-value]
    if compression == "xz":
        return lzma.LZMAFile(stream, mode="rb")  # type: ignore[return-value]
    if compression == "zstd":
        return io.BufferedReader(_ZstdReader(stream))
    return stream


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another; ``EOFError`` if the input ends inside a frame.

    (zstandard's own stream reader returns a truncated frame's start as if it were all.)
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._decompressor = zstandard.ZstdDecompressor()
        self._frame = self._decompressor.decompressobj()
        self._in_frame = False
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._out:
            chunk = self._stream.read(ZSTD_CHUNK)
            if not chunk:
                if self._in_frame:
                    raise EOFError("zstd frame truncated")
                return 0
            self._out = memoryview(self._feed(chunk))
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _feed(self, data: bytes) -> bytes:
        out = []
        while data:
            self._in_frame = True
            out.append(self._frame.decompress(data))
            if not self._frame.eof:
                break
            data = self._frame.unused_data  # the next frame starts here
            self._frame = self._decompressor.decompressobj()
            self._in_frame = False
        return b"".join(out)


def _by_magic_number(stream: IO[bytes]) -> BinaryIO:
    head, sniffed = _sniff(stream, 6)
    compression = next((c for magic, c in MAGIC_NUMBERS if head.startswith(magic)), None)
    return _decompress(sniffed, compression)


def is_stream(path: str) -> bool:
    """Whether ``path`` is a pipe, a device or ``/dev/stdin``-like: its name says nothing of
    its content (``<(zcat x.jsonl.gz)`` is ``/dev/fd/63``), so the content is sniffed."""
    if path == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return _is_stream_mode(path, mode)


def _is_stream_mode(path: str, mode: int) -> bool:
    return not stat.S_ISREG(mode) or path.startswith(("/dev/", "/proc/"))


@dataclass(frozen=True, slots=True)
class _Opened:
    """An input opened once: its stream, decompressed by suffix (or by magic number when
    ``sniffed``), and the file under it (``None`` for stdin), at its start unless sniffed."""

    stream: BinaryIO
    raw: io.BufferedReader | None
    sniffed: bool  # a pipe, a device or stdin (see is_stream): the content says what it is


@contextmanager
def _open(path: str) -> Iterator[_Opened]:
    if path == STDIN:
        yield _Opened(_by_magic_number(_stdin_bytes()), None, sniffed=True)
        return
    with cast(io.BufferedReader, open(path, "rb", buffering=READ_BUFFER)) as raw:
        # The opened file's own mode: a second stat of the path would look it up again.
        sniffed = _is_stream_mode(path, os.fstat(raw.fileno()).st_mode)
        stream = _by_magic_number(raw) if sniffed else _decompress(raw, compression_of(path))
        yield _Opened(stream, raw, sniffed)


@contextmanager
def open_input(path: str) -> Iterator[BinaryIO]:
    """A binary stream of ``path`` (``-`` for stdin), decompressed by suffix or magic number."""
    with _open(path) as opened:
        yield opened.stream


def _stdin_bytes() -> IO[bytes]:
    """The bytes of stdin: its binary buffer, or, for a text stream without one (a notebook's,
    ``io.StringIO``), its text as UTF-8. ``OSError`` when the process has none (``<&-``)."""
    if sys.stdin is None:
        raise OSError(errno.EBADF, "Standard input is closed")
    binary = getattr(sys.stdin, "buffer", None)
    return binary if binary is not None else io.BufferedReader(_TextBytes(sys.stdin))


class _TextBytes(io.RawIOBase):
    """A text stream read as UTF-8 bytes, a chunk at a time."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._left:
            self._left = self._text.read(max(1, len(buffer) // 4)).encode("utf-8", "surrogatepass")
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def read_records(
    inputs: Iterable[str] = (STDIN,),
    *,
    encoding: str | None = None,
    on_error: ErrorHandler = raise_error,
    skipped: Counter[str] | None = None,
    hidden: bool = False,
    report: InputReport | None = None,
) -> Iterator[Record]:
    """Records from files, folders, globs and ``-``: raw documents, JSONL and web archives.

    Each bad input goes to ``on_error`` (which may raise to stop) and the rest are read.
    WARC responses that are not documents (redirects, images...) are counted in ``skipped``.
    Ids are made unique: a repeated id becomes ``<source>`` for a file, ``<path>:<line>`` for a
    JSONL line. ``hidden`` also reads hidden files in folders; ``report`` counts what was
    read and skipped. ``inputs`` is a list of paths (``str`` or ``Path``), not one path:
    ``TypeError`` otherwise.
    """
    paths = check_paths("read_records", inputs)  # at the call, not at the first record
    _check_reading(encoding, on_error)
    return _read_records(paths, encoding, on_error, skipped, hidden, report)


def _check_reading(encoding: object, on_error: object) -> None:
    """An unknown ``encoding`` (a ``LookupError`` at every file) or an ``on_error`` that
    cannot be called (a ``TypeError`` at the first bad input) is an error at the call."""
    if encoding is not None:
        if not isinstance(encoding, str):
            raise TypeError(f"read_records: encoding must be a str, not {type(encoding).__name__}")
        try:
            normalize_encoding_name(encoding)  # what --encoding and decode_bytes accept
        except LookupError:
            raise ValueError(f"read_records: unknown encoding {encoding!r}") from None
    if not callable(on_error):
        raise TypeError(f"read_records: on_error must be callable, not {on_error!r}")


def _read_records(
    paths: list[str],
    encoding: str | None,
    on_error: ErrorHandler,
    skipped: Counter[str] | None,
    hidden: bool,
    report: InputReport | None,
) -> Iterator[Record]:
    report = report if report is not None else InputReport()
    seen = UniqueIds()
    for argument in paths:
        try:
            files = expand_argument(argument, hidden=hidden, on_error=on_error, report=report)
        except InputError as error:
            on_error(error)
            continue
        for item in files:
            for record in _read_file(item, encoding, on_error, skipped, report):
                yield seen.unique(record)


def read_deferred(
    inputs: Iterable[str] = (STDIN,),
    *,
    encoding: str | None = None,
    skipped: Counter[str] | None = None,
    hidden: bool = False,
    report: InputReport | None = None,
) -> Iterator[Record | RawDocument | WorkResult]:
    """What ``read_records`` reads, for workers to finish: a regular file of one raw document
    comes as a ``RawDocument``, to be read where it is worked on (reading and decoding are
    most of the work on a plain-text file besides cleaning it); records of other inputs come
    as they are, ids not made unique; and each error found here comes, in its place, as a
    ``WorkResult`` with that error, so that ``in_input_order`` reports every error in input
    order whichever process found it."""
    report = report if report is not None else InputReport()
    pending: list[InputError] = []
    for argument in inputs:
        try:
            files = expand_argument(argument, hidden=hidden, on_error=pending.append, report=report)
        except InputError as error:
            yield _failed(error)
            continue
        for item in files:
            yield from map(_failed, _taken(pending))
            if _holds_one_document(item):
                yield RawDocument(item, encoding)
                continue
            for record in _read_file(item, encoding, pending.append, skipped, report):
                yield from map(_failed, _taken(pending))
                yield record
        yield from map(_failed, _taken(pending))


def _taken(pending: list[InputError]) -> list[InputError]:
    taken = pending[:]
    pending.clear()
    return taken


def _failed(error: InputError) -> WorkResult:
    return WorkResult([], [(error.where, error.message)])


def _holds_one_document(item: InputFile) -> bool:
    """A regular file that ``_read_file`` reads as one raw document (not JSONL, not WARC)."""
    if item.path == STDIN:
        return False
    if item.regular:  # listed as a regular file: a stream only by its path (see is_stream)
        if _is_stream_mode(item.path, stat.S_IFREG):
            return False
    elif is_stream(item.path):
        return False
    suffix = _stem_suffix(item.path)
    return not is_warc_name(suffix) and suffix not in JSONL_SUFFIXES


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class RawDocument:
    """A file of one raw document, read (and decoded) by ``read`` in the process that works on
    it, exactly as ``read_records`` reads it."""

    item: InputFile
    encoding: str | None

    def read(self) -> tuple[list[Record], list[tuple[str, str]], InputReport]:
        """The record (none if the file is bad), the errors to report for it (``InputError``'s
        where and message: the exception itself does not pickle), what was read.

        ``_read_file``'s way through a regular file of one document, and its errors (none
        can come after a record), without its tests for the other kinds of input.
        """
        where = self.item.path
        try:
            with open(where, "rb") as raw:
                stream = _decompress(raw, compression_of(where))
                record = _read_document(stream, self.item, where, self.encoding)
        except READ_ERRORS as error:
            return [], [(where, _describe_read_error(error))], InputReport()
        except BinaryInputError as error:
            return [], [(where, str(error))], InputReport()
        return [record], [], InputReport(files_read=1)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class EncodedRecord:
    """A record worked on and encoded as its JSONL line where it was worked on (a worker),
    with what the process that writes it needs: its id and source, to make the id unique in
    input order (see ``UniqueIds``). ``line`` is ``b""`` for a record the stage left out (it
    still takes its id, as it did when it was read)."""

    id: str
    source: str
    line: bytes
    empty: bool = False  # its text is empty (the clean stage counts them)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class WorkResult:
    """What one input (a ``RawDocument`` or a record) gave in a worker: its records, encoded,
    and the errors and counts of reading it, to be reported by the main process in order."""

    records: list[EncodedRecord]
    errors: list[tuple[str, str]] = field(default_factory=list)  # InputError's where, message
    read: InputReport | None = None


def in_input_order(
    results: Iterable[WorkResult], on_error: ErrorHandler, report: InputReport
) -> Generator[EncodedRecord, None, None]:
    """The records of ``results`` (in input order) with unique ids, as ``read_records`` gives
    them; each result's errors go to ``on_error`` and its counts into ``report`` first, as
    when the file was read in this process."""
    seen = UniqueIds()
    try:
        for result in results:
            for where, message in result.errors:
                on_error(InputError(where, message))
            if result.read is not None:
                report.files_read += result.read.files_read
                report.damaged += result.read.damaged
            for record in result.records:
                unique = seen.unique_id(record.id, record.source)
                yield record if unique == record.id else _renamed(record, unique)
    finally:
        close(results)  # on an error (--strict) or when closed: the workers stop now


def _renamed(record: EncodedRecord, new_id: str) -> EncodedRecord:
    """``record`` under another id: its line decoded and encoded again (a rare case: ids
    repeat across inputs), which gives the bytes encoding the renamed record gives."""
    if not record.line:
        return EncodedRecord(new_id, record.source, record.line, record.empty)
    from .outputs import encode_line

    data = json.loads(record.line)
    renamed = Record(new_id, data["text"], data["source"], data["metadata"])
    return EncodedRecord(new_id, record.source, encode_line(renamed), record.empty)


@dataclass(slots=True)
class _Progress:
    """How far the reading of one file got: to tell which records a late error may touch."""

    records: int = 0
    line: int = 0


def _read_file(
    item: InputFile,
    encoding: str | None,
    on_error: ErrorHandler,
    skipped: Counter[str] | None,
    report: InputReport,
) -> Iterator[Record]:
    where = STDIN_NAME if item.path == STDIN else item.path
    progress = _Progress()
    try:
        with _open(item.path) as opened:
            stream = opened.stream
            if item.path != STDIN and is_warc_name(_stem_suffix(item.path)):
                # A sniffed file's first bytes are read already: read_warc_file opens it again.
                raw = None if opened.sniffed else opened.raw
                yield from read_warc_file(
                    item.path, stream, where, on_error, skipped, encoding, raw=raw
                )
                report.files_read += 1
                return
            if opened.sniffed:
                head, stream = _sniff(stream, 4096)
                if not head and item.path == STDIN:
                    report.files_read += 1
                    return  # nothing piped in: no document, not an empty one
                if head.startswith(WARC_MAGIC):
                    yield from read_warc_stream(stream, where, on_error, skipped, encoding)
                    report.files_read += 1
                    return
                is_jsonl = _looks_like_jsonl(head)
            else:
                is_jsonl = _stem_suffix(item.path) in JSONL_SUFFIXES
            if is_jsonl and _stem_suffix(item.path) == ".json":
                stream, whole = _one_json_document(stream, where, on_error)
                if whole is not None:
                    progress.records += len(whole)
                    yield from whole
                    report.files_read += 1
                    return
            if is_jsonl:
                for record in _read_jsonl(stream, where, on_error, progress):
                    progress.records += 1
                    yield record
            else:
                yield _read_document(stream, item, where, encoding)
        report.files_read += 1
    except READ_ERRORS as error:
        if progress.records and not isinstance(error, EOFError):
            report.damaged += 1
        on_error(InputError(where, _describe_read_error(error) + _given_out(error, progress)))
    except BinaryInputError as error:
        on_error(InputError(where, str(error)))


def _one_json_document(
    stream: BinaryIO, where: str, on_error: ErrorHandler
) -> tuple[BinaryIO, list[Record] | None]:
    """A ``.json`` file that is one JSON document over many lines (an object, or an array of
    objects) as its records, with the ids JSONL lines would get (``<path>:<n>``); ``None``
    (and the stream, to be read again) when it is JSONL after all, or too large to hold."""
    first = stream.readline(MAX_RECORD_BYTES + 1)
    if _one_value(first):  # a whole value on the first line: JSONL, read line by line
        if first.lstrip(b"\xef\xbb\xbf \t").startswith(b"["):
            # but an array on one line and nothing after it (what json.dump writes) is one
            # document: JSONL lines are objects
            after = stream.readline(MAX_RECORD_BYTES + 1)
            if not after.strip() and not stream.read(1):
                return stream, _records_of(
                    parse_json_line(first.removeprefix(b"\xef\xbb\xbf")), where, on_error
                )
            return io.BufferedReader(_Replay(first + after, stream)), None
        return io.BufferedReader(_Replay(first, stream)), None
    rest, stream = _sniff(stream, MAX_RECORD_BYTES + 1 - len(first))
    head = first + rest
    stream = io.BufferedReader(_Replay(first, stream))
    if len(head) > MAX_RECORD_BYTES or b"\n" not in head.strip():
        return stream, None
    try:
        data = parse_json_line(head.removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, UnicodeDecodeError):
        return stream, None  # "Extra data": lines of JSONL, each read (and judged) on its own
    return stream, _records_of(data, where, on_error)


def _records_of(data: Any, where: str, on_error: ErrorHandler) -> list[Record]:
    """The records of a ``.json`` document: an object, or an array of objects."""
    values = data if isinstance(data, list) else [data]
    records = []
    for number, value in enumerate(values, start=1):
        try:
            if not isinstance(value, dict):
                raise ValueError("expected a JSON object")
            records.append(Record.from_dict(value, f"{where}:{number}", where))
        except ValueError as error:
            on_error(InputError(f"{where}:{number}", str(error)))
    return records


def _one_value(line: bytes) -> bool:
    try:
        json.loads(line.removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, RecursionError):
        return False
    return True


def _given_out(error: BaseException, progress: _Progress) -> str:
    """What a late read error means for the records already given out."""
    if not progress.records:
        return ""
    if isinstance(error, EOFError):
        return f" after line {progress.line} (the {progress.records} records before it are kept)"
    return (
        f" at line {progress.line}: the {progress.records} records read before it "
        f"(lines 1-{progress.line}) may be damaged"
    )


def _looks_like_jsonl(head: bytes) -> bool:
    """JSONL by its content (for stdin and pipes): it starts with ``{``, in any UTF."""
    if head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"{"):
        return True
    codec = _wide_codec(head)
    if codec is None:
        return False
    text = head[: len(head) // 4 * 4].decode(codec, "replace")
    return text.lstrip(" \t\r\n\ufeff").startswith("{")


def _describe_read_error(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "compressed data is truncated"
    if isinstance(error, zlib.error | lzma.LZMAError | zstandard.ZstdError):
        return f"compressed data is corrupt ({error})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return f"cannot read: {error}"


def _read_document(stream: BinaryIO, item: InputFile, where: str, encoding: str | None) -> Record:
    data = _read_at_most(stream, MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise BinaryInputError(f"larger than {MAX_DOCUMENT_BYTES >> 20} MiB: not a document")
    decoded = decode_bytes(data, encoding)
    return Record(
        id=item.relative,
        text=decoded.text,
        source=where,
        metadata=decoded.metadata(_content_type(item.path, data, decoded.text)),
    )


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """``stream.read(limit)``: the same bytes (a buffered stream reads to ``limit`` or to its
    end), read in growing pieces. A single read asks for a buffer of ``limit`` bytes (64 MiB),
    mapped and unmapped for every file: that was most of the time of reading a 2 KB file."""
    pieces: list[bytes] = []
    size = READ_PIECE_BYTES
    left = limit
    while left > 0:
        wanted = min(size, left)
        piece = stream.read(wanted)
        pieces.append(piece)
        left -= len(piece)
        if len(piece) < wanted:  # the end of the stream
            break
        size *= 4
    return b"".join(pieces)


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


def _read_jsonl(
    stream: BinaryIO, where: str, on_error: ErrorHandler, progress: _Progress
) -> Iterator[Record]:
    if hasattr(stream, "peek"):  # files, gzip...: no extra layer for every line
        head = stream.peek(4)[:4]
    else:
        head, stream = _sniff(stream, 4)
    codec = _wide_codec(head)
    lines = _decoded_lines(stream, codec) if codec else _lines(stream)
    try:
        for number, line in enumerate(lines, start=1):
            progress.line = number
            if line is TOO_LONG or line is NOT_DECODED:
                message = (
                    f"record larger than {MAX_RECORD_BYTES >> 20} MiB: skipped"
                    if line is TOO_LONG
                    else f"line is not valid {codec}"
                )
                on_error(InputError(f"{where}:{number}", message))
                continue
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                record = _parse_record(line, f"{where}:{number}", where, on_error)
                if record is not None:
                    yield record
    except UnicodeDecodeError:  # a UTF-16 stream cut in the middle of a character
        on_error(InputError(f"{where}:{progress.line + 1}", f"not valid {codec}: the rest skipped"))


def _parse_record(
    line: bytes, default_id: str, where: str, on_error: ErrorHandler
) -> Record | None:
    try:
        data = parse_json_line(line)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return Record.from_dict(data, default_id, where)
    except UnicodeDecodeError:
        on_error(InputError(default_id, "line is not valid UTF-8"))
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        on_error(InputError(default_id, f"malformed JSONL record: {error}"))
    return None


def parse_jsonl_line(line: bytes, where: str, number: int) -> Record | None:
    """The record on line ``number`` (from 1) of UTF-8 JSONL file ``where``, parsed as the
    reader parses it; ``None`` for a blank line. Raises ``InputError`` for a bad line.

    (The Spark engine reads lines split by Hadoop and parses each with this.)
    """
    if number == 1:
        line = line.removeprefix(b"\xef\xbb\xbf")
    if not line.strip():
        return None
    return _parse_record(line, f"{where}:{number}", where, raise_error)


def parse_json_line(line: bytes) -> Any:
    """One JSON value, strictly: NaN and Infinity (which JSON lacks, and which would be
    written back as invalid JSON) become null; nesting is capped at ``MAX_JSON_DEPTH``."""
    try:
        # json.loads(line, parse_constant=..., parse_float=...) to the letter, without the
        # decoder it builds for every call (a fifth of its time on a 2 KB record).
        data = _DECODER.decode(line.decode(json.detect_encoding(line), "surrogatepass"))
    except RecursionError:
        data = None
        depth = MAX_JSON_DEPTH + 1
    else:
        # Counting brackets is cheap; walking the value only when it could be too deep.
        opening = line.count(b"[") + line.count(b"{")
        depth = _depth(data) if opening > MAX_JSON_DEPTH else 0
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _no_constant(_name: str) -> None:
    return None


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None  # 1e999 reads as infinity


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (without recursion: it may be deep)."""
    deepest = 0
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        pending.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


# Markers for lines that cannot be parsed, compared by identity.
TOO_LONG = b"\0too long\0"
NOT_DECODED = b"\0not decoded\0"


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``stream``; ``TOO_LONG`` for one over ``MAX_RECORD_BYTES`` (skipped
    without holding it in memory)."""
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield TOO_LONG
        else:
            yield line


def _decoded_lines(stream: BinaryIO, codec: str) -> Iterator[bytes]:
    """The lines of a UTF-16 or UTF-32 stream, as UTF-8 (``NOT_DECODED`` for a line with
    bytes that do not decode: that line's error, not the file's)."""
    text = io.TextIOWrapper(stream, encoding=codec, errors=UNDECODABLE, newline="\n")
    while line := text.readline(MAX_RECORD_BYTES + 1):
        if len(line) > MAX_RECORD_BYTES and not line.endswith("\n"):
            while (rest := text.readline(1 << 20)) and not rest.endswith("\n"):
                pass
            yield TOO_LONG
        elif UNDECODABLE_MARK in line:
            yield NOT_DECODED
        else:
            yield line.encode("utf-8", "surrogatepass")


def _mark_undecodable(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return UNDECODABLE_MARK, error.end


# A lone surrogate: what no valid UTF-16 or UTF-32 decodes to, so it marks the bytes that did not.
UNDECODABLE = "ingest-undecodable"
UNDECODABLE_MARK = "\udcff"
codecs.register_error(UNDECODABLE, _mark_undecodable)


def _wide_codec(head: bytes) -> str | None:
    return next((codec for start, codec in WIDE_JSONL_STARTS if head.startswith(start)), None)


class UniqueIds:
    """Keeps ids unique within a run by remembering 8-byte hashes, not the ids themselves."""

    def __init__(self) -> None:
        self._hashes: set[int] = set()
        # The next number to try for a fallback already taken: one id repeated N times
        # costs N tries, not N^2 / 2.
        self._next: dict[int, int] = {}

    def unique(self, record: Record) -> Record:
        record.id = self.unique_id(record.id, record.source)
        return record

    def unique_id(self, record_id: str, source: str) -> str:
        """``record_id``, or, when the run has given it out already, a fallback made from
        ``source`` (``<source>``, ``<source>~2``...) that it has not."""
        if self._add(record_id):
            return record_id
        fallback = source if record_id != source else f"{source}#dup"
        candidate = fallback
        key = _hash(fallback)
        n = self._next.get(key, 1)
        if n > 1:
            candidate = f"{fallback}~{n}"
        while not self._add(candidate):
            n += 1
            candidate = f"{fallback}~{n}"
        self._next[key] = n + 1
        return candidate

    def _add(self, record_id: str) -> bool:
        key = _hash(record_id)
        if key in self._hashes:
            return False
        self._hashes.add(key)
        return True


def _hash(record_id: str) -> int:
    """The hash of ``record_id`` as it is written: ``encode_line`` writes a lone surrogate as
    U+FFFD, so ``a\\ud800`` and ``a\\ufffd`` are the same id in the output."""
    try:
        data = record_id.encode("utf-8")
    except UnicodeEncodeError:
        data = LONE_SURROGATE.sub("\ufffd", record_id).encode("utf-8")
    return xxhash.xxh3_64_intdigest(data)
