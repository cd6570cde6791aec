"""Web archives for the tests and benchmarks/bench_warc.py, written with warcio's writer."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@dataclass(frozen=True)
class Response:
    """One HTTP response to archive: ``body`` as it went over the wire after ``encode``."""

    uri: str
    body: bytes
    content_type: str = "text/html"
    status: str = "200 OK"
    headers: tuple[tuple[str, str], ...] = ()
    transfer: str = ""  # "chunked", "gzip" (Content-Encoding) or ""
    date: str = "2024-05-06T07:08:09Z"
    extra: dict[str, str] = field(default_factory=dict)


def page(title: str, paragraphs: list[str], charset: str, meta: bool = False) -> str:
    """An HTML news page; ``meta`` also declares ``charset`` in the page itself."""
    head = f'<meta charset="{charset}">' if meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"
    )


def _wire_body(response: Response) -> tuple[bytes, list[tuple[str, str]]]:
    headers = [("Content-Type", response.content_type), *response.headers]
    body = response.body
    if response.transfer == "gzip":
        body = gzip.compress(body, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    elif response.transfer == "chunked":
        half = len(body) // 2
        chunks = [body[:half], body[half:]]
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        headers.append(("Transfer-Encoding", "chunked"))
    headers.append(("Content-Length", str(len(body))))
    return body, headers


def warc_bytes(responses: list[Response], compress: bool) -> bytes:
    """A WARC (one gzip member per record if ``compress``) holding a request and a response
    for each of ``responses``, after a warcinfo record."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compress)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "tests"}))
    for response in responses:
        body, headers = _wire_body(response)
        http = StatusAndHeaders(response.status, headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            response.uri,
            "response",
            payload=io.BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": response.date, **response.extra},
        )
        request = StatusAndHeaders(f"GET {response.uri} HTTP/1.1", [], is_http_request=True)
        writer.write_record(
            writer.create_warc_record(response.uri, "request", http_headers=request)
        )
        writer.write_record(record)
    return out.getvalue()


def gzip_member_offsets(data: bytes) -> list[int]:
    """Where each gzip member of a ``.warc.gz`` starts (decompressing, not guessing)."""
    offsets, position = [], 0
    while position < len(data):
        offsets.append(position)
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        decompressor.decompress(data[position:])
        position = len(data) - len(decompressor.unused_data)
    return offsets
