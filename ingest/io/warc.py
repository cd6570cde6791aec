"""Web archives (WARC): each HTML or text response of a crawl becomes a raw document.

warcio parses each record and undoes chunked and gzip/deflate transfer encodings (chosen over
fastwarc by ``benchmarks/bench_warc.py``). Neither library says when a record is cut short or
reads past a corrupt gzip member, so the framing is done here: compressed archives are read
member by member (WARC writers put one record in each), a bad member is reported and skipped,
and a record whose block is shorter than its ``Content-Length`` is reported, not guessed at.
"""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import zstandard

from ..encoding import decode_bytes
from ..errors import BinaryInputError, InputError
from ..record import Record
from ..sniff import is_feed

# warcio is imported when an archive is read: every command reads inputs, few read archives
# (its import is a tenth of a plain run's start-up).
if TYPE_CHECKING:
    from warcio.recordloader import ArcWarcRecordLoader

WARC_SUFFIX = ".warc"
WARC_MAGIC = b"WARC/"
WARC_VERSION = b"WARC/1."
GZIP_MAGIC = b"\x1f\x8b\x08"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_DICTIONARY_FRAME = b"\x5d\x2a\x4d\x18"
# Media types kept, and what the record holds for clean. Feeds are markup like pages.
DOCUMENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/xml": "html",
    "application/xml": "html",
    "application/rss+xml": "html",
    "application/atom+xml": "html",
    "text/plain": "text",
}
MARKUP_START = re.compile(rb"^\s*<")
# A gzip member is held whole before its records are parsed, so that a corrupt one can be
# dropped cleanly; members beyond this (a whole archive gzipped as one) are streamed.
MAX_BUFFERED_MEMBER = 64 * 1024 * 1024
READ_CHUNK = 1 << 16
# Longer "lines" are not WARC headers: read in pieces, so junk without newlines is not held.
MAX_LINE = 1 << 16
RECORD_END = b"\r\n\r\n"
# Reasons a response is not a document, as the summary line names them.
SKIP_NOT_OK = "non-200"
SKIP_REDIRECT = "redirect"
SKIP_NOT_TEXT = "not HTML or text"

ErrorHandler = Callable[[InputError], None]


def is_warc_name(stem_suffix: str) -> bool:
    """Whether a file's suffix (under any compression suffix) says it is a web archive."""
    return stem_suffix == WARC_SUFFIX


def read_warc_file(
    path: str,
    decompressed: IO[bytes],
    where: str,
    on_error: ErrorHandler,
    skipped: Counter[str] | None = None,
    encoding: str | None = None,
    raw: io.BufferedReader | None = None,
) -> Iterator[Record]:
    """Documents of the web archive at ``path``, by its first bytes: plain; gzip, read member
    by member (a corrupt member costs only its own records); zstd, with its dictionary if it
    has one; else from ``decompressed``, the file as its suffix says to decompress it.
    ``raw`` is the file opened already, nothing read from it (else ``path`` is opened)."""
    with open(path, "rb") if raw is None else contextlib.nullcontext(raw) as file:
        head = file.peek(4)[:4]
        if head.startswith(GZIP_MAGIC):
            stream: IO[bytes] = io.BufferedReader(
                _ChunkStream(_gzip_members(file, where, on_error))
            )
        elif head in (ZSTD_MAGIC, ZSTD_DICTIONARY_FRAME):
            stream = _zstd_stream(file)
        else:
            stream = file if head.startswith(WARC_MAGIC[:4]) else decompressed
        yield from read_warc_stream(stream, where, on_error, skipped, encoding)


def read_warc_stream(
    stream: IO[bytes],
    where: str,
    on_error: ErrorHandler,
    skipped: Counter[str] | None = None,
    encoding: str | None = None,
) -> Iterator[Record]:
    """Documents of a decompressed web archive; responses that are not documents are counted
    in ``skipped`` by reason. ``encoding`` forces a codec, as for other raw documents."""
    from warcio.recordloader import ArcWarcRecordLoader

    loader = ArcWarcRecordLoader()
    for offset, block in _frames(stream, where, on_error):
        record = _document(loader, block, (where, offset), on_error, skipped, encoding)
        if record is not None:
            yield record


def _frames(stream: IO[bytes], where: str, on_error: ErrorHandler) -> Iterator[tuple[int, bytes]]:
    """Each WARC record's bytes (header and block) with its offset in ``stream``.

    A damaged stretch (bytes that are not a record, a record cut short and followed by the
    next one) is one error, and reading goes on at the next line that starts a record. A
    record cut by the end of the stream is one error and the end.
    """
    reader = _PushBack(stream)
    resyncing = False
    while line := reader.readline():
        start = reader.position - len(line)
        if line in (b"\r\n", b"\n"):  # the blank lines that end the previous record
            continue
        if not line.startswith(WARC_MAGIC):
            if not resyncing:
                on_error(InputError(where, f"offset {start}: not a WARC record (skipped)"))
            resyncing = True
            continue
        resyncing = False
        header = _header(reader, line)
        length = _content_length(header) if header else None
        if header is None:
            on_error(InputError(where, f"offset {start}: WARC record is truncated"))
            return
        if length is None:
            on_error(InputError(where, f"offset {start}: WARC record has no Content-Length"))
            resyncing = True
            continue
        block = reader.read(length)
        if len(block) < length:
            on_error(InputError(where, f"offset {start}: WARC record is truncated"))
            return
        if not _ends_cleanly(reader, block):
            on_error(InputError(where, f"offset {start}: WARC record is cut short (skipped)"))
            continue
        yield start, b"".join(header) + block


def _header(reader: _PushBack, first: bytes) -> list[bytes] | None:
    """The header lines of a record (``None`` if the stream ends inside them)."""
    header = [first]
    while header[-1] not in (b"\r\n", b"\n"):
        line = reader.readline()
        if not line:
            return None
        header.append(line)
    return header


def _ends_cleanly(reader: _PushBack, block: bytes) -> bool:
    """Whether the block is followed by the blank lines that end a record. If it is not,
    its Content-Length overran a record cut short into the next one: that one is given back
    to the reader from its first line."""
    trailer = reader.read(len(RECORD_END))
    if trailer.startswith(RECORD_END) or trailer in (b"", b"\r\n", b"\n", b"\n\n"):
        return True
    if trailer.startswith(b"\n\n"):
        reader.unread(trailer[2:])
        return True
    overrun = block + trailer
    # Not at a line start: the cut may fall anywhere in a line.
    next_record = overrun.find(WARC_VERSION)
    reader.unread(overrun[next_record:] if next_record >= 0 else b"")
    return False


class _PushBack:
    """A stream's lines and bytes, with bytes that can be given back and its position."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._back = b""
        self.position = 0

    def readline(self) -> bytes:
        if self._back:
            end = self._back.find(b"\n") + 1 or len(self._back)
            line, self._back = self._back[:end], self._back[end:]
            if not line.endswith(b"\n"):
                line += self._stream.readline(MAX_LINE)
        else:
            line = self._stream.readline(MAX_LINE)
        self.position += len(line)
        return line

    def read(self, size: int) -> bytes:
        data, self._back = self._back[:size], self._back[size:]
        # read1, one read of the stream under it at a time: a buffered read(n) reads ahead,
        # and an error there (the next gzip member corrupt, on stdin) lost this record too
        read = getattr(self._stream, "read1", self._stream.read)
        while len(data) < size and (chunk := read(size - len(data))):
            data += chunk
        self.position += len(data)
        return data

    def unread(self, data: bytes) -> None:
        self._back = data + self._back
        self.position -= len(data)


def _content_length(header: list[bytes]) -> int | None:
    for line in header[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None


def _document(
    loader: ArcWarcRecordLoader,
    block: bytes,
    at: tuple[str, int],
    on_error: ErrorHandler,
    skipped: Counter[str] | None,
    encoding: str | None,
) -> Record | None:
    """The document in one WARC record, or ``None`` (counted) if it holds none."""
    from warcio.exceptions import ArchiveLoadFailed

    try:
        warc = loader.parse_record_stream(io.BytesIO(block))
        if warc.rec_type != "response" or warc.http_headers is None:
            return None  # requests, metadata, warcinfo: not responses to read
        reason, kind = _skip_reason(warc.http_headers)
        if reason:
            _skip(skipped, reason)
            return None
        payload = warc.content_stream().read()
    except (ArchiveLoadFailed, ValueError, OSError, zlib.error, EOFError) as error:
        on_error(InputError(at[0], f"offset {at[1]}: unreadable WARC record: {error}"))
        return None
    if kind == "" and not MARKUP_START.match(payload[:1024]):
        kind = "text"
    try:
        return _record(warc, payload, kind or "html", at[0], encoding)
    except BinaryInputError:
        _skip(skipped, SKIP_NOT_TEXT)
        return None


def _skip_reason(http: Any) -> tuple[str, str]:
    """Why a response is skipped (``""`` if it is not), and what kind of document it holds."""
    status = http.get_statuscode() or ""
    if status.startswith("3"):
        return SKIP_REDIRECT, ""
    if status != "200":
        return SKIP_NOT_OK, ""
    mime = (http.get_header("Content-Type") or "").partition(";")[0].strip().lower()
    if not mime:
        return "", ""  # unknown: decided by the bytes
    kind = DOCUMENT_TYPES.get(mime)
    return ("", kind) if kind else (SKIP_NOT_TEXT, "")


def _skip(skipped: Counter[str] | None, reason: str) -> None:
    if skipped is not None:
        skipped[reason] += 1


def _record(warc: Any, payload: bytes, kind: str, where: str, encoding: str | None) -> Record:
    uri = warc.rec_headers.get_header("WARC-Target-URI") or ""
    record_id = (warc.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")
    decoded = decode_bytes(payload, encoding, transport_charset=_charset(warc.http_headers))
    if is_feed(decoded.text):  # served as text/xml, application/rss+xml or even text/html
        kind = "feed"
    return Record(
        # A URI has no spaces: the id splits back into the page and the capture.
        id=f"{uri} {record_id}".strip(),
        text=decoded.text,
        source=where,
        metadata={
            **decoded.metadata(kind),
            "url": uri,
            "crawl_date": warc.rec_headers.get_header("WARC-Date") or "",
        },
    )


CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.I)


def _charset(http: Any) -> str:
    match = CHARSET.search(http.get_header("Content-Type") or "")
    return match.group(1) if match else ""


def _gzip_members(raw: IO[bytes], where: str, on_error: ErrorHandler) -> Iterator[bytes]:
    """The decompressed bytes of each gzip member, in order. A corrupt member is reported
    once and skipped to the next member's magic number; a cut last member is reported."""
    data, offset, resyncing = b"", 0, False
    while True:
        if len(data) < len(GZIP_MAGIC):
            data += raw.read(READ_CHUNK)
            if not data:
                return
        member = _GzipMember(raw, data, offset)
        try:
            yield from member.output()
            resyncing = False
        except zlib.error:
            if not resyncing and not member.streamed:
                on_error(InputError(where, f"offset {offset}: corrupt gzip member (skipped)"))
            if member.streamed:
                raise
            resyncing = True
            data, offset = _next_member(raw, member.data, member.offset, offset)
            continue
        except EOFError:
            on_error(InputError(where, f"offset {offset}: gzip member is truncated"))
            return
        data, offset = member.data, member.offset


class _GzipMember:
    """One gzip member read from ``data`` then ``raw``; its output is held whole (up to
    ``MAX_BUFFERED_MEMBER``) so that a member found corrupt at its end yields nothing."""

    def __init__(self, raw: IO[bytes], data: bytes, offset: int) -> None:
        self.raw, self.data, self.offset = raw, data, offset
        self.streamed = False

    def output(self) -> Iterator[bytes]:
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        held: list[bytes] = []
        size = 0
        while not decompressor.eof:
            if not self.data:
                self.data = self.raw.read(READ_CHUNK)
                if not self.data:
                    raise EOFError
            piece = decompressor.decompress(self.data)
            rest = decompressor.unused_data if decompressor.eof else b""
            self.offset += len(self.data) - len(rest)
            self.data = rest
            held.append(piece)
            size += len(piece)
            if size > MAX_BUFFERED_MEMBER:
                self.streamed = True
                yield from held
                held = []
        yield b"".join(held)


def _next_member(raw: IO[bytes], data: bytes, offset: int, start: int) -> tuple[bytes, int]:
    """``data`` (at ``offset``) and what follows in ``raw``, from the first gzip magic number
    after ``start``; ``(b"", ...)`` at the end of the file."""
    skip = max(start + 1 - offset, 0)
    while True:
        found = data.find(GZIP_MAGIC, skip)
        if found >= 0:
            return data[found:], offset + found
        keep = len(GZIP_MAGIC) - 1
        offset += max(len(data) - keep, 0)
        data = data[-keep:]
        skip = 0
        chunk = raw.read(READ_CHUNK)
        if not chunk:
            return b"", offset
        data += chunk


def _zstd_stream(raw: IO[bytes]) -> IO[bytes]:
    """A zstd archive decompressed; a ``.warc.zst`` may open with its dictionary in a
    skippable frame (the IIPC WARC-zstd layout)."""
    dictionary = None
    if raw.read(4) == ZSTD_DICTIONARY_FRAME:
        size = int.from_bytes(raw.read(4), "little")
        data = raw.read(size)
        if data.startswith(ZSTD_MAGIC):
            data = zstandard.ZstdDecompressor().decompress(data, max_output_size=1 << 26)
        dictionary = zstandard.ZstdCompressionDict(data)
    else:
        raw.seek(0)
    decompressor = zstandard.ZstdDecompressor(dict_data=dictionary)
    reader = decompressor.stream_reader(raw, read_across_frames=True)
    return io.BufferedReader(reader)


class _ChunkStream(io.RawIOBase):
    """A readable stream over an iterator of byte strings."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._current = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._current:  # an empty chunk (an empty gzip member) is not the end
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._current = chunk
        n = min(len(buffer), len(self._current))
        buffer[:n] = self._current[:n]
        self._current = self._current[n:]
        return n
