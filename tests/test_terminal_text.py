"""Logged terminal output is text: its escape sequences (a window title's OSC, ``ESC ] 0;title
BEL``; colours' CSI, ``ESC [ 31m``) are removed, not taken for binary data; and a binary file
is still binary with such sequences in it."""

from __future__ import annotations

import gzip
import io
import random
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from ingest import clean_records, read_records
from ingest.encoding import decode_bytes
from ingest.errors import BinaryInputError

from .conftest import invoke, parse_jsonl, run_ingest

TITLE = b"\x1b]0;user@host: ~/title\x07"
LINES = [
    "The council approved the harbour budget on Tuesday.",
    "Ferries will run every hour from June.",
    "The bridge repairs start in the autumn.",
]


def _terminal_log(encoding: str = "utf-8", end: bytes = b"\x07") -> tuple[bytes, str]:
    """A shell session's log: a title before every line (as a prompt sets it), colours, and
    normal text after; and the text it holds."""
    words = ["café crème", "déjà vu"] if encoding != "ascii" else ["coffee", "again"]
    lines = [f"{LINES[n % 3]} {words[n % 2]} {n}." for n in range(50)]
    title = TITLE.replace(b"\x07", end)
    data = b"".join(title + line.encode(encoding) + b"\n" for line in lines)
    data += b"\x1b[1;31mWarning:\x1b[0m " + b"the last line is plain text.\n"
    return data, "\n".join([*lines, "Warning: the last line is plain text."])


def _short_lines() -> tuple[bytes, str]:
    """Short lines, a title before each (a share of controls binary data would have)."""
    lines = [f"some text {n}" for n in range(50)]
    data = b"".join(b"\x1b]0;title\x07" + line.encode() + b"\n" for line in lines)
    return data + "Normal text, déjà vu.\n".encode(), "\n".join([*lines, "Normal text, déjà vu."])


CASES = {
    "short lines": _short_lines(),
    "ascii, BEL": _terminal_log("ascii"),
    "utf-8, BEL": _terminal_log("utf-8"),
    "utf-8, ESC backslash": _terminal_log("utf-8", b"\x1b\\"),
    "cp1252, BEL": _terminal_log("cp1252"),
}


@pytest.mark.parametrize("case", CASES)
def test_terminal_output_decodes_and_cleans_without_its_escapes(tmp_path: Path, case: str) -> None:
    data, text = CASES[case]
    decoded = decode_bytes(data)
    assert "title" in decoded.text  # the escapes are still there after decoding alone
    (tmp_path / "session.log").write_bytes(data)
    [record] = clean_records(read_records([tmp_path / "session.log"]))
    assert record.text == text
    assert "mojibake:remove_terminal_escapes" in record.metadata["repairs"]


def test_terminal_output_through_the_cli(tmp_path: Path) -> None:
    data, text = CASES["short lines"]
    (tmp_path / "session.log").write_bytes(data)
    result = invoke(["clean", "-q", str(tmp_path / "session.log")])
    assert result.exit_code == 0, result.stderr
    assert [r["text"] for r in parse_jsonl(result.stdout)] == [text]
    piped = run_ingest(["clean", "-q"], input=CASES["cp1252, BEL"][0])
    assert piped.returncode == 0, piped.stderr
    assert [r["text"] for r in parse_jsonl(piped.stdout)] == [CASES["cp1252, BEL"][1]]


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    noise = random.Random(1).randbytes(64 * 64 * 3)
    rows = b"".join(b"\x00" + noise[y * 192 : (y + 1) * 192] for y in range(64))
    header = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _pdf() -> bytes:
    # A page's drawing and an image, deflated as PDF writers do.
    page = b"BT /F1 12 Tf 72 712 Td (Harbour news) Tj ET\n"
    stream = zlib.compress(page + random.Random(3).randbytes(6000))
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length "
        + str(len(stream)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("story.txt", "\n".join(LINES * 100))
        archive.writestr("noise.bin", random.Random(2).randbytes(3000))
    return buffer.getvalue()


BINARIES = {
    "png": _png,
    "gzip": lambda: gzip.compress("\n".join(LINES * 200).encode(), mtime=0),
    "pdf": _pdf,
    "elf": lambda: Path(sys.executable).read_bytes()[:30000],
    "zip": _zip,
}


@pytest.mark.parametrize("kind", BINARIES)
def test_a_binary_file_with_terminal_escapes_in_it_is_still_binary(kind: str) -> None:
    data = BINARIES[kind]()
    log, _ = CASES["utf-8, BEL"]
    for variant in (data, TITLE * 200 + data, data + log, log[:2000] + data):
        with pytest.raises(BinaryInputError, match="binary data"):
            decode_bytes(variant)


def test_binary_files_beside_terminal_output_through_the_cli(tmp_path: Path) -> None:
    log, text = CASES["utf-8, BEL"]
    (tmp_path / "a_session.log").write_bytes(log)
    for kind, make in BINARIES.items():
        (tmp_path / f"b_{kind}").write_bytes(TITLE * 200 + make())  # no suffix: sniffed
    out = tmp_path / "out.jsonl"
    result = run_ingest(["clean", "-q", str(tmp_path), "-o", str(out)])
    assert result.returncode == 1
    assert result.stderr.decode().splitlines() == [
        f"ingest: error: {tmp_path}/b_{kind}: binary data, not a text document"
        for kind in sorted(BINARIES)
    ]
    assert [r["text"] for r in parse_jsonl(out.read_bytes())] == [text]
