"""Writing JSONL: to stdout, or atomically to a file, compressed by its suffix."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import re
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO, Any, cast

import zstandard

from ..checks import checked_records, output_path
from ..errors import IngestError
from ..record import Record
from .inputs import LONE_SURROGATE, STDIN, compression_of

PARQUET_SUFFIX = ".parquet"

DESCRIPTOR_LINK = re.compile(r"^/(?:dev/fd|proc/(?P<pid>self|\d+)/fd)/(?P<fd>\d+)$")
MAX_LINKS = 40


# Bytes of JSONL lines written in one call (``_write_lines``).
WRITE_BATCH = 1 << 18


def encode_line(record: Record) -> bytes:
    """One JSONL line; lone surrogates (from JSON ``\\ud800`` escapes) become U+FFFD."""
    line = record.to_json()
    try:
        return line.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return LONE_SURROGATE.sub("\ufffd", line).encode("utf-8") + b"\n"


def write_records(records: Iterable[Record], output: str | os.PathLike[str] | None = None) -> int:
    """Write ``records`` as JSONL to ``output`` (stdout if ``None`` or ``-``), or as Parquet to
    a ``.parquet`` file; returns the count.

    A regular file is written to a temporary file beside it and renamed into place only when
    every record was written, so a failed run never leaves half a corpus or truncates an old
    one. A device, a FIFO or ``/dev/stdout`` is written directly. ``output`` may be a
    ``Path``; a file object is a ``TypeError``, and so is an item that is not a ``Record``
    (or whose fields have the wrong types): the old file is then left as it was.
    """
    path = output_path("write_records", output)
    with open_output(path) as out:
        count = out.write(checked_records(records, "write_records"))
        out.commit()
    return count


def _write_stream(records: Iterable[Record], stream: IO[bytes]) -> int:
    return _write_lines(map(encode_line, records), stream)


def _write_lines(lines: Iterable[bytes], stream: IO[bytes]) -> int:
    """Write the lines, a batch of up to ``WRITE_BATCH`` bytes at a time (one system call a
    batch, where the file's buffer made one a line of a few KB); returns the count. The
    lines before an error (in whatever makes them) are written, as one by one."""
    count = 0
    batch: list[bytes] = []
    size = 0
    try:
        for line in lines:
            batch.append(line)
            size += len(line)
            if size >= WRITE_BATCH:
                data = b"".join(batch)
                count += len(batch)
                batch.clear()
                size = 0
                stream.write(data)
    finally:
        if batch:
            count += len(batch)
            stream.write(b"".join(batch))
    stream.flush()
    return count


def check_output_folder(path: str) -> str:
    """The folder ``path`` will be written in; ``IngestError`` if there is none, or if
    ``path`` is a folder itself (found before the work, not at the rename after it)."""
    return os.path.dirname(_checked_target(path).path)


def _checked_target(path: str) -> _Target:
    target = _target(path)
    if target.descriptor is not None or target.special:
        return target
    if os.path.isdir(target.path):
        raise IngestError(f"{path}: is a folder, not a file")
    if not os.path.isdir(os.path.dirname(target.path)):
        raise IngestError(f"{path}: the folder for the output does not exist")
    return target


@dataclass(frozen=True, slots=True)
class _Target:
    """Where an output path leads: a file to replace, a special file, or an open descriptor."""

    path: str
    existing: os.stat_result | None = None
    special: bool = False  # a device or FIFO: written in place
    descriptor: int | None = None  # /dev/stdout, /dev/fd/N, /proc/self/fd/N: that descriptor


def _target(path: str) -> _Target:
    descriptor = _descriptor_in_links(path)
    if descriptor is not None:
        return _Target(path, descriptor=descriptor)
    real = os.path.realpath(path)  # a symlink's target is what gets replaced
    try:
        existing = os.stat(real)
    except OSError:
        return _Target(real)
    if stat.S_ISREG(existing.st_mode) or stat.S_ISDIR(existing.st_mode):
        return _Target(real, existing)
    return _Target(real, existing, special=True)


def _descriptor_in_links(path: str) -> int | None:
    """N when ``path`` is, or links through, ``/dev/fd/N`` or ``/proc/self/fd/N``: reopening
    such a link would truncate what the shell opened (``>>``), so the descriptor is used."""
    current = os.path.abspath(path)
    for _ in range(MAX_LINKS):
        match = DESCRIPTOR_LINK.match(current)
        if match and match["pid"] in (None, "self", str(os.getpid())):
            return int(match["fd"])
        if not os.path.islink(current):
            return None
        current = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.normpath(current)
    return None


class _Temporary:
    """The file an output is written in before it replaces the target, in the target's
    folder. On Linux it is unnamed (``O_TMPFILE``) until ``put_in_place``: a run killed
    by SIGKILL (kill -9, the OOM killer) leaves nothing behind. Where the system or the
    file system has no unnamed files, it is a named ``.ingest-*.tmp`` file, removed on
    any error or signal that lets the process clean up."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.name: str | None  # None while unnamed
        self.fd, self.name = _open_unnamed(folder) or _open_named(folder)

    def put_in_place(self, target: str) -> None:
        """Give the written file the target's name (the old file, if any, is replaced)."""
        if self.name is None:
            self.name = _link_unnamed(self.fd, self.folder)
        os.replace(self.name, target)
        self.name = None

    def remove(self) -> None:
        """Remove the file's name, if it has one (an unnamed file goes when closed)."""
        if self.name is not None:
            with suppress(FileNotFoundError):
                os.unlink(self.name)
            self.name = None


def _open_unnamed(folder: str) -> tuple[int, None] | None:
    """A descriptor of an unnamed file in ``folder``, or ``None`` where there is none to have:
    no ``O_TMPFILE`` (not Linux), a file system that refuses it (``EOPNOTSUPP`` on some
    tmpfs, overlay or NFS mounts; ``EISDIR`` from a kernel that predates it), or no
    ``/proc`` to name it through in the end."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        fd = os.open(folder, flag | os.O_WRONLY, 0o666 & ~_umask())
    except OSError:  # refused for any reason: the named file does as before, errors and all
        return None
    return fd, None


def _open_named(folder: str) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=".ingest-", suffix=".tmp", dir=folder)


def _link_unnamed(fd: int, folder: str) -> str:
    """Name the unnamed file ``fd`` in ``folder`` with a fresh name, returned.

    ``linkat(AT_FDCWD, "/proc/self/fd/N", ..., AT_SYMLINK_FOLLOW)`` as open(2) says;
    ``os.link`` calls ``linkat`` with that flag only when given a folder descriptor
    (else ``link``, which would try to link the /proc entry itself)."""
    folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        while True:
            name = os.path.join(folder, f".ingest-{secrets.token_hex(6)}.tmp")
            try:
                os.link(f"/proc/self/fd/{fd}", name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
            except FileExistsError:
                continue
            return name
    finally:
        os.close(folder_fd)


@dataclass
class OutputFile:
    """An output being written: ``commit()`` puts it in place, anything else leaves the old
    file as it was. ``stream`` compresses by the path's suffix."""

    stream: IO[bytes]
    raw: IO[bytes]
    target: _Target
    temporary: _Temporary | None
    parquet: bool = False
    committed: bool = False

    @property
    def atomic(self) -> bool:
        """Whether the output replaces a file (and so whether not committing keeps it)."""
        return self.temporary is not None

    def write(self, records: Iterable[Record]) -> int:
        """Write ``records`` as JSONL lines (or Parquet, for a ``.parquet`` path); returns the
        count."""
        with _writing(self.target.path):
            if self.parquet:
                from .parquet import write_parquet_stream  # pyarrow is an optional extra

                return write_parquet_stream(records, self.stream)
            return _write_stream(records, self.stream)

    def write_lines(self, lines: Iterable[bytes]) -> int:
        """Write JSONL lines encoded already (by ``encode_line``, in a worker); returns the
        count. Not for Parquet (see ``parquet``), which needs the records."""
        if self.parquet:
            raise ValueError("Parquet is written from records, not JSONL lines")
        with _writing(self.target.path):
            return _write_lines(lines, self.stream)

    def commit(self) -> None:
        """Finish the stream and put the temporary file in place of the target."""
        with _writing(self.target.path):
            self._finish()
            if self.temporary is not None:  # named while still open: an unnamed file needs it
                self.temporary.put_in_place(self.target.path)
            self._close_file()
        self.committed = True

    def discard(self) -> None:
        """Drop what was written (a special file or stdout cannot take it back)."""
        with suppress(OSError, ValueError):
            self._finish()
        with suppress(OSError, ValueError):
            self._close_file()
        if self.temporary is not None and not self.committed:
            self.temporary.remove()

    def _finish(self) -> None:
        if self.raw.closed:
            return
        if self.stream is not self.raw:
            self.stream.close()  # the compressor's end of stream; leaves the file open
        self.raw.flush()
        if self.temporary is not None:
            os.fsync(self.raw.fileno())  # on disk before the rename makes it the output

    def _close_file(self) -> None:
        if self.target.path != STDIN:  # stdout stays open: it is the process's
            self.raw.close()


@contextmanager
def _writing(path: str) -> Iterator[None]:
    """A failed write (a full disk, a closed terminal) as an ``IngestError`` that names the
    output: a run writes up to three (``-o``, ``--clusters``, ``--index``). A closed pipe
    stays itself: the reader downstream has all it wants."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        where = "<stdout>" if path == STDIN else path
        raise IngestError(f"{where}: cannot write: {error.strerror or error}") from error


@contextmanager
def open_output(path: str | None) -> Iterator[OutputFile]:
    """An ``OutputFile`` for ``path`` (stdout for ``None`` or ``-``), discarded unless committed."""
    output = _open_output(path)
    try:
        yield output
    finally:
        if not output.committed:
            output.discard()


def _open_output(path: str | None) -> OutputFile:
    if path is None or path == STDIN:
        if sys.stdout is None:  # started with fd 1 closed (`>&-`): Python sets no stdout
            raise IngestError(f"{STDIN}: standard output is closed")
        stdout = _binary(sys.stdout)
        return OutputFile(stdout, stdout, _Target(STDIN), None)
    target = _checked_target(path)  # resolved once: links, descriptors, the old file's mode
    temporary: _Temporary | None = None
    if target.descriptor is not None:
        raw: IO[bytes] = os.fdopen(os.dup(target.descriptor), "wb")
    elif target.special:
        raw = open(target.path, "wb")  # noqa: SIM115 (closed by OutputFile)
    else:
        temporary = _Temporary(os.path.dirname(target.path))
        try:  # from here on, Ctrl-C or SIGTERM must not leave the temporary file behind
            _take_mode_and_owner(temporary, target.existing)
            raw = os.fdopen(temporary.fd, "wb")
            return _output_file(path, raw, target, temporary)
        except BaseException:
            with suppress(OSError):
                os.close(temporary.fd)
            temporary.remove()
            raise
    return _output_file(path, raw, target, temporary)


def _binary(stdout: IO[str]) -> IO[bytes]:
    """The binary stream under ``stdout``; for a text stream without one (a notebook's, or
    ``contextlib.redirect_stdout(io.StringIO())``), one that writes the lines to it as text."""
    binary = getattr(stdout, "buffer", None)
    if binary is not None:
        return binary
    return cast(IO[bytes], _TextWriter(stdout))


class _TextWriter(io.RawIOBase):
    """Bytes of UTF-8 written to a text stream, decoded as they come (a character may be
    split between two writes)."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._text.write(self._decoder.decode(bytes(data)))
        return len(data)

    def flush(self) -> None:
        self._text.flush()


def is_parquet_name(path: str) -> bool:
    """``-o corpus.parquet`` writes Parquet (ingest/io/parquet.py), any other name JSONL."""
    return path.lower().endswith(PARQUET_SUFFIX)


def _output_file(
    path: str, raw: IO[bytes], target: _Target, temporary: _Temporary | None
) -> OutputFile:
    parquet = is_parquet_name(path)
    return OutputFile(_compress(raw, compression_of(path)), raw, target, temporary, parquet)


def _take_mode_and_owner(temporary: _Temporary, existing: os.stat_result | None) -> None:
    """The replacement keeps the old file's mode and owner; a new file gets the mode a new
    file would have under the umask (mkstemp makes it private)."""
    file = temporary.name if temporary.name is not None else temporary.fd  # fd: Linux only
    if existing is None:
        os.chmod(file, 0o666 & ~_umask())
        return
    os.chmod(file, stat.S_IMODE(existing.st_mode))
    with suppress(PermissionError):  # only root may give a file to someone else
        os.chown(file, existing.st_uid, existing.st_gid)


@contextmanager
def atomic_output(path: str) -> Iterator[IO[bytes]]:
    """A binary stream (compressed by ``path``'s suffix) that replaces ``path`` on success."""
    with open_output(path) as output:
        with _writing(path):
            yield output.stream
        output.commit()


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


def _compress(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    if compression is None:
        return raw
    writer: IO[bytes] = COMPRESSED_WRITERS[compression](raw)
    return writer
