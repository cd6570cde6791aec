"""WARC readers: warcio against fastwarc, bare, on the same generated archives; and ingest's.

Speed: a few thousand responses (HTML in several encodings, gzip and chunked transfers,
redirects, images), plain and gzip. Robustness: the same archive cut or damaged in the ways
crawls are (a crawl stopped mid-record, a corrupt gzip member), and the transfer encodings:
how many documents each reader gets right, and whether it says something was wrong.

Then the same on real pages (Mozilla Readability's, from shared/dev-data, or INGEST_DEV_DATA),
and what the HTTP charset gains on uchardet's real texts in their true encodings.

    python benchmarks/bench_warc.py [--responses N]
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from _common import DEV_DATA, table, timed

from ingest.encoding import decode_bytes
from ingest.errors import BinaryInputError, InputError
from ingest.io import warc
from ingest.io.warc import read_warc_file
from tests.warc_builder import PNG, Response, gzip_member_offsets, page, warc_bytes

WORDS = [
    "the",
    "council",
    "said",
    "on",
    "tuesday",
    "that",
    "new",
    "school",
    "bridge",
    "budget",
    "city",
    "would",
    "open",
    "year",
]
ENCODINGS = ("utf-8", "cp1252", "iso-8859-2")
Reader = Callable[[Path], tuple[list[bytes], bool]]


def responses(count: int, seed: int = 1) -> list[Response]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        kind = n % 10
        uri = f"https://site{n % 7}.example/story/{n}"
        if kind == 8:
            out.append(Response(uri, b"", status="301 Moved Permanently"))
            continue
        if kind == 9:
            out.append(Response(uri, PNG * 20, "image/png"))
            continue
        charset = ENCODINGS[n % len(ENCODINGS)]
        paragraphs = [" ".join(rng.choices(WORDS, k=60)) + " café" for _ in range(8)]
        body = page(f"Story {n}", paragraphs, charset).encode(charset)
        transfer = "gzip" if kind == 1 else "chunked" if kind == 2 else ""
        out.append(Response(uri, body, f"text/html; charset={charset}", transfer=transfer))
    return out


def real_responses(count: int) -> list[Response]:
    """Mozilla Readability's real pages (shared/dev-data) as responses, every tenth a
    redirect or an image, repeated to ``count``; ``[]`` where the data is not there."""
    pages = sorted((DEV_DATA / "readability" / "pages").glob("*/source.html"))
    out = []
    for n in range(count if pages else 0):
        uri = f"https://{pages[n % len(pages)].parent.name}.example/{n}"
        if n % 10 == 8:
            out.append(Response(uri, b"", status="301 Moved Permanently"))
        elif n % 10 == 9:
            out.append(Response(uri, PNG * 20, "image/png"))
        else:
            transfer = "gzip" if n % 10 == 1 else "chunked" if n % 10 == 2 else ""
            body = pages[n % len(pages)].read_bytes()
            out.append(Response(uri, body, "text/html", transfer=transfer))
    return out


# uchardet's names that are not Python's (see shared/dev-data/README.md).
UCHARDET_CODECS = {
    "ibm852": "cp852",
    "maccentraleurope": "mac-latin2",
    "maccyrillic": "mac-cyrillic",
    "uhc": "cp949",
}


def charset_evidence() -> list[list[object]]:
    """uchardet's real texts decoded with and without their true charset as the HTTP header:
    what the header gains, and whether a true header is ever wrongly doubted."""
    rows = []
    right = {"without": 0, "with": 0}
    total = 0
    for path in sorted((DEV_DATA / "uchardet").glob("*/*.txt")):
        codec = UCHARDET_CODECS.get(path.stem, path.stem)
        try:
            truth = path.read_bytes().decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue  # no Python codec (viscii, euc-tw), or BOM-less UTF-16/32 variants
        total += 1
        for name, charset in (("without", ""), ("with", codec)):
            try:
                text = decode_bytes(path.read_bytes(), transport_charset=charset).text
            except BinaryInputError:
                continue
            right[name] += text == truth
    for name in ("without", "with"):
        rows.append([f"ingest decode, {name} the HTTP charset", f"{right[name]}/{total}"])
    return rows


def warcio_reader(path: Path) -> tuple[list[bytes], bool]:
    from warcio.archiveiterator import ArchiveIterator

    payloads: list[bytes] = []
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and _is_page(record.http_headers):
                    payloads.append(record.content_stream().read())
    except Exception:
        return payloads, True
    return payloads, False


def _is_page(http: object) -> bool:
    return (
        http is not None
        and http.get_statuscode() == "200"
        and "html"
        in (  # type: ignore[attr-defined]
            http.get_header("Content-Type") or ""  # type: ignore[attr-defined]
        )
    )


def fastwarc_reader(path: Path) -> tuple[list[bytes], bool]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    payloads: list[bytes] = []
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(
                stream, record_types=WarcRecordType.response, auto_decode="all"
            ):
                http = record.http_headers
                if http is None or http.status_code != 200:
                    continue
                if "html" in (http.get("Content-Type") or ""):
                    payloads.append(record.reader.read())
    except Exception:
        return payloads, True
    return payloads, False


def ingest_reader(path: Path) -> tuple[list[bytes], bool]:
    """ingest's reader (warcio + its own framing), decoding included; payloads re-encoded so
    that they compare with the others'."""
    errors: list[InputError] = []
    with open(path, "rb") as stream:
        texts = [r.text for r in read_warc_file(str(path), stream, path.name, errors.append)]
    return [t.encode("utf-8") for t in texts], bool(errors)


def ingest_framing(path: Path) -> tuple[list[bytes], bool]:
    """ingest's framing and gzip member reader under warcio, without decoding to text: what
    the robustness costs on top of warcio."""
    from warcio.recordloader import ArcWarcRecordLoader

    errors: list[InputError] = []
    loader = ArcWarcRecordLoader()
    payloads = []
    with open(path, "rb") as raw:
        if raw.peek(3)[:3] == warc.GZIP_MAGIC:
            members = warc._gzip_members(raw, path.name, errors.append)
            stream: Any = io.BufferedReader(warc._ChunkStream(members))
        else:
            stream = raw
        for _, block in warc._frames(stream, path.name, errors.append):
            record = loader.parse_record_stream(io.BytesIO(block))
            if record.rec_type == "response" and _is_page(record.http_headers):
                payloads.append(record.content_stream().read())
    return payloads, bool(errors)


READERS: dict[str, Reader] = {
    "warcio": warcio_reader,
    "fastwarc": fastwarc_reader,
    "ingest framing + warcio": ingest_framing,
    "ingest (warcio + framing + decoding)": ingest_reader,
}


def damaged_archives(folder: Path, items: list[Response]) -> dict[str, tuple[Path, int]]:
    """Each case's file and the number of pages a reader can still get right in it."""
    pages = sum(1 for r in items if r.status.startswith("200") and "html" in r.content_type)
    plain = warc_bytes(items, compress=False)
    packed = warc_bytes(items, compress=True)
    offsets = gzip_member_offsets(packed)
    cut = warc_bytes(items[:1], compress=False)
    cases = {
        "intact .warc": (plain, pages),
        "intact .warc.gz": (packed, pages),
        "cut in the last body (.warc)": (plain + cut[: len(cut) - 300], pages),
        "cut in the last headers (.warc)": (plain + cut[:200], pages),
        "a cut record, then the rest (.warc)": (cut[: len(cut) - 300] + plain, pages),
        "cut last member (.warc.gz)": (packed + gzip.compress(cut, mtime=0)[:-40], pages),
        # Member 4 is the second response (warcinfo, then request/response pairs).
        "corrupt member (.warc.gz)": (
            packed[: offsets[4] + 20] + bytes(40) + packed[offsets[4] + 60 :],
            pages - 1,
        ),
    }
    paths = {}
    for n, (name, (data, expected)) in enumerate(cases.items()):
        path = folder / f"case{n}{'.warc.gz' if 'gz' in name else '.warc'}"
        path.write_bytes(data)
        paths[name] = (path, expected)
    return paths


def expected_payloads(items: list[Response]) -> list[bytes]:
    return [r.body for r in items if r.status.startswith("200") and "html" in r.content_type]


def robustness(folder: Path, items: list[Response]) -> list[list[object]]:
    truth = expected_payloads(items)
    rows = []
    for name, (path, expected) in damaged_archives(folder, items).items():
        row: list[object] = [name, expected]
        for reader_name, reader in READERS.items():
            payloads, reported = reader(path)
            if reader_name.startswith("ingest ("):
                truth_set = {_text(b, items) for b in truth}
                right = sum(1 for p in payloads if p in truth_set)
            else:
                right = sum(1 for p in payloads if p in set(truth))
            wrong = len(payloads) - right
            row.append(f"{right} right, {wrong} wrong, {'error' if reported else 'silent'}")
        rows.append(row)
    return rows


def _text(body: bytes, items: list[Response]) -> bytes:
    charset = next(r.content_type.split("=")[1] for r in items if r.body == body)
    return body.decode(charset).encode("utf-8")


def speed(folder: Path, items: list[Response]) -> list[list[object]]:
    rows = []
    for suffix, compress in ((".warc", False), (".warc.gz", True)):
        path = folder / f"speed{suffix}"
        path.write_bytes(warc_bytes(items, compress=compress))
        size = path.stat().st_size / 2**20
        for name, reader in READERS.items():
            (payloads, _), seconds = timed(lambda r=reader, p=path: r(p))  # type: ignore[misc]
            rows.append(
                [
                    suffix,
                    name,
                    len(payloads),
                    f"{len(items) / seconds:,.0f}",
                    f"{size / seconds:.0f}",
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=3000)
    args = parser.parse_args()
    items = responses(args.responses)
    small = responses(20, seed=2)
    with TemporaryDirectory() as folder:
        print(f"Robustness ({len(small)} responses, {len(expected_payloads(small))} pages)")
        print(table(robustness(Path(folder), small), ["archive", "pages left", *READERS]))
        print(f"\nSpeed, generated pages ({len(items)} responses)")
        print(table(speed(Path(folder), items), ["file", "reader", "pages", "responses/s", "MB/s"]))
        real = real_responses(args.responses)
        if real:
            print(f"\nSpeed, Readability's real pages ({len(real)} responses)")
            header = ["file", "reader", "pages", "responses/s", "MB/s"]
            print(table(speed(Path(folder), real), header))
            print("\nCharset evidence, uchardet's real texts")
            print(table(charset_evidence(), ["decoder", "text exactly right"]))


if __name__ == "__main__":
    main()
