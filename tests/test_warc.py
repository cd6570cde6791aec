"""Web archives in: a real WARC written with warcio, read through the library and the CLI."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest
import zstandard

from ingest import read_records
from ingest.errors import InputError
from ingest.io.warc import read_warc_file

from .conftest import invoke, parse_jsonl, run_ingest
from .warc_builder import PNG, Response, gzip_member_offsets, page, warc_bytes

RUSSIAN = [
    "Городской совет утвердил новый бюджет на следующий год после долгого обсуждения.",
    "Депутаты решили увеличить расходы на школы, больницы и общественный транспорт.",
    "Мэр заявил, что строительство новой линии метро начнётся уже весной.",
]
JAPANESE = [
    "東京都は来年度の予算案を発表し、子育て支援と防災対策に重点を置くと説明した。",
    "知事は記者会見で、新しい公園の整備と古い橋の修理を急ぐ考えを示した。",
]
CHINESE = [
    "市政府今天宣布，将在明年春天开通一条连接机场和市中心的新地铁线路。",
    "官员表示，这条线路将大大缩短乘客的出行时间，并减少道路上的交通拥堵。",
]
FRENCH = [
    "Le conseil municipal a adopté mardi un plan de rénovation des écoles du quartier.",
    "Les travaux commenceront à l'été et dureront près de deux ans, selon la mairie.",
]


def _responses() -> list[Response]:
    french = page("Écoles rénovées", FRENCH, "utf-8").replace(
        "<head>",
        '<head><meta property="article:published_time" content="2023-03-15T10:00:00Z">',
    )
    return [
        # The charset only in the HTTP header: the page itself says nothing.
        Response(
            "https://news.example.ru/budget",
            page("Новый бюджет", RUSSIAN, "").encode("cp1251"),
            "text/html; charset=windows-1251",
        ),
        Response(
            "https://news.example.jp/budget",
            page("予算案", JAPANESE, "shift_jis", meta=True).encode("shift_jis"),
            "text/html; charset=Shift_JIS",
            transfer="gzip",
        ),
        Response(
            "https://news.example.cn/metro",
            page("新地铁线路", CHINESE, "").encode("gbk"),
            "text/html; charset=gb2312",
            transfer="chunked",
        ),
        Response("https://news.example.fr/ecoles", french.encode("utf-8"), "text/html"),
        Response(
            "https://news.example.fr/old",
            b"",
            status="301 Moved Permanently",
            headers=(("Location", "https://news.example.fr/ecoles"),),
        ),
        Response(
            "https://news.example.fr/missing", b"<html>Not found</html>", status="404 Not Found"
        ),
        Response("https://news.example.fr/logo.png", PNG, "image/png"),
        Response(
            "https://news.example.com/wire.txt",
            "\n\n".join(FRENCH).encode("utf-8"),
            "text/plain; charset=utf-8",
        ),
    ]


def _truncated(data: bytes) -> bytes:
    """``data`` with a last response record cut in its middle: a crawl that was stopped."""
    extra = warc_bytes(
        [Response("https://news.example.com/cut", page("Cut", FRENCH, "utf-8").encode())],
        compress=False,
    )
    return data + extra[: len(extra) - 200]


@pytest.fixture
def warc_file(tmp_path: Path) -> Path:
    path = tmp_path / "crawl.warc"
    path.write_bytes(_truncated(warc_bytes(_responses(), compress=False)))
    return path


def _read(path: Path) -> tuple[list, list[InputError], Counter[str]]:
    errors: list[InputError] = []
    skipped: Counter[str] = Counter()
    records = list(read_records([str(path)], on_error=errors.append, skipped=skipped))
    return records, errors, skipped


def test_library_reads_documents_skips_the_rest_and_reports_the_cut_record(warc_file: Path) -> None:
    records, errors, skipped = _read(warc_file)
    assert [r.metadata["url"] for r in records] == [
        "https://news.example.ru/budget",
        "https://news.example.jp/budget",
        "https://news.example.cn/metro",
        "https://news.example.fr/ecoles",
        "https://news.example.com/wire.txt",
    ]
    assert skipped == {"redirect": 1, "non-200": 1, "not HTML or text": 1}
    assert len(errors) == 1 and "WARC record is truncated" in str(errors[0])
    assert str(errors[0]).startswith(f"{warc_file}: offset ")
    russian, japanese, chinese, _, wire = records
    assert RUSSIAN[0] in russian.text and russian.metadata["encoding"] == "cp1251"
    assert russian.metadata["declared_encoding"] == "cp1251"  # from the HTTP header
    assert JAPANESE[1] in japanese.text  # gzip content encoding undone
    assert CHINESE[0] in chinese.text and chinese.metadata["encoding"] == "gb18030"  # chunked
    assert wire.metadata["content_type"] == "text" and russian.metadata["content_type"] == "html"
    assert all(r.metadata["crawl_date"] == "2024-05-06T07:08:09Z" for r in records)
    assert all(r.source == str(warc_file) for r in records)


def test_ids_are_the_uri_and_the_record_id_and_stable(warc_file: Path) -> None:
    first = [r.id for r in _read(warc_file)[0]]
    again = [r.id for r in _read(warc_file)[0]]
    assert first == again and len(set(first)) == len(first)
    uri, record_id = first[0].split(" ")
    assert uri == "https://news.example.ru/budget" and record_id.startswith("urn:uuid:")


def test_ingest_run_on_a_warc_gives_the_right_records_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    data = warc_bytes(_responses(), compress=True)
    path.write_bytes(data + gzip.compress(_truncated(b""), mtime=0)[:-30])
    result = invoke(["run", str(path)])
    assert result.exit_code == 1
    stderr = result.stderr.splitlines()
    assert stderr[0] == f"ingest: error: {path}: offset {len(data)}: gzip member is truncated"
    assert "3 WARC responses skipped (1 non-200, 1 not HTML or text, 1 redirect)" in stderr[1]
    records = {r["metadata"]["url"]: r for r in parse_jsonl(result.stdout)}
    # The French page and the wire copy of it are one story: dedupe keeps the first.
    assert sorted(records) == [
        "https://news.example.cn/metro",
        "https://news.example.fr/ecoles",
        "https://news.example.jp/budget",
        "https://news.example.ru/budget",
    ]
    for url, paragraphs in [
        ("https://news.example.ru/budget", RUSSIAN),
        ("https://news.example.jp/budget", JAPANESE),
        ("https://news.example.cn/metro", CHINESE),
        ("https://news.example.fr/ecoles", FRENCH),
    ]:
        text = records[url]["text"]
        assert all(p in text for p in paragraphs), url
        assert "Copyright" not in text and "Home | World" not in text  # the site around it
    # The page's own date wins; a page without one is dated by its capture.
    assert records["https://news.example.fr/ecoles"]["metadata"]["date"] == "2023-03-15"
    assert records["https://news.example.ru/budget"]["metadata"]["date"] == "2024-05-06"


def test_a_corrupt_gzip_member_costs_only_its_record(tmp_path: Path) -> None:
    data = warc_bytes(_responses(), compress=True)
    offsets = gzip_member_offsets(data)
    # Member 0 is warcinfo, then request/response pairs: 4 is the Japanese response.
    start = offsets[4]
    damaged = data[: start + 20] + bytes(40) + data[start + 60 :]
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(damaged)
    records, errors, _ = _read(path)
    assert [str(e) for e in errors] == [f"{path}: offset {start}: corrupt gzip member (skipped)"]
    urls = [r.metadata["url"] for r in records]
    assert "https://news.example.jp/budget" not in urls
    assert urls[-1] == "https://news.example.com/wire.txt" and len(urls) == 4


def test_an_empty_gzip_member_between_records_is_not_the_end(tmp_path: Path) -> None:
    first, *rest = _responses()
    path = tmp_path / "joined.warc.gz"
    parts = [warc_bytes([first], True), gzip.compress(b"", mtime=0), warc_bytes(rest, True)]
    path.write_bytes(b"".join(parts))
    records, errors, _ = _read(path)
    assert len(records) == 5 and not errors


def test_junk_between_records_is_one_error_and_the_records_after_it_are_read(
    tmp_path: Path,
) -> None:
    first, *rest = _responses()
    head = warc_bytes([first], compress=False)
    junk = b"<html>a page pasted into the archive</html>\r\n" * 3
    path = tmp_path / "crawl.warc"
    path.write_bytes(head + junk + warc_bytes(rest, compress=False))
    records, errors, _ = _read(path)
    assert [str(e) for e in errors] == [f"{path}: offset {len(head)}: not a WARC record (skipped)"]
    assert len(records) == 5


def test_a_cut_record_in_the_middle_of_an_archive_costs_only_itself(tmp_path: Path) -> None:
    """Archives concatenated after one was cut: the cut record's Content-Length runs into the
    next archive, which is still read from its first record."""
    cut = _truncated(b"")
    path = tmp_path / "joined.warc"
    path.write_bytes(cut + warc_bytes(_responses(), compress=False))
    records, errors, skipped = _read(path)
    start = cut.rindex(b"WARC/1.0\r\n")  # the cut response, after its request
    assert [str(e) for e in errors] == [
        f"{path}: offset {start}: WARC record is cut short (skipped)"
    ]
    assert records[0].metadata["url"] == "https://news.example.ru/budget"
    assert len(records) == 5 and sum(skipped.values()) == 3


def test_zstd_archive_with_and_without_a_dictionary(tmp_path: Path) -> None:
    plain = warc_bytes(_responses(), compress=False)
    path = tmp_path / "crawl.warc.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(plain))
    assert len(_read(path)[0]) == 5
    # The IIPC layout: a dictionary in a skippable frame, then one frame per record.
    samples = [plain[i : i + 2000] for i in range(0, len(plain), 500)]
    dictionary = zstandard.train_dictionary(4096, samples * 20)
    frame = dictionary.as_bytes()
    compressor = zstandard.ZstdCompressor(dict_data=dictionary)
    path.write_bytes(
        b"\x5d\x2a\x4d\x18" + len(frame).to_bytes(4, "little") + frame + compressor.compress(plain)
    )
    records, errors, _ = _read(path)
    assert len(records) == 5 and not errors


@pytest.mark.parametrize("suffix", [".bz2", ".xz"])
def test_other_compressions_by_suffix(tmp_path: Path, suffix: str) -> None:
    import bz2
    import lzma

    compress = {".bz2": bz2.compress, ".xz": lzma.compress}[suffix]
    path = tmp_path / f"crawl.warc{suffix}"
    path.write_bytes(compress(warc_bytes(_responses(), compress=False)))
    records, errors, skipped = _read(path)
    assert len(records) == 5 and not errors and sum(skipped.values()) == 3


def test_warc_gz_on_stdin_is_found_by_its_magic_number() -> None:
    data = warc_bytes(_responses(), compress=True)
    result = run_ingest(["clean", "-q"], input=data)
    assert result.returncode == 0, result.stderr
    urls = [r["metadata"]["url"] for r in parse_jsonl(result.stdout)]
    assert len(urls) == 5 and urls[0] == "https://news.example.ru/budget"


def test_a_damaged_warc_gz_on_stdin_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    # On stdin a corrupt member ends the archive (the stream cannot be read again past it),
    # and a cut one too: the records before them are kept, as from a file. They were lost
    # when the archive was short enough to be read whole by the first sniffing read.
    data = warc_bytes(_responses(), compress=True)
    start = gzip_member_offsets(data)[4]  # the Japanese response, after the Russian one
    corrupt = data[: start + 20] + bytes(40) + data[start + 60 :]
    for damaged, error in [(corrupt, "corrupt"), (data[: start + 60], "cut")]:
        result = run_ingest(["clean", "-q"], input=damaged)
        assert result.returncode == 1
        (line,) = result.stderr.decode().splitlines()
        assert line.startswith("ingest: error: <stdin>: "), line
        urls = [r["metadata"]["url"] for r in parse_jsonl(result.stdout)]
        assert urls == ["https://news.example.ru/budget"], error


def test_warc_reader_alone_counts_what_it_skips(warc_file: Path) -> None:
    skipped: Counter[str] = Counter()
    errors: list[InputError] = []
    with open(warc_file, "rb") as stream:
        records = list(read_warc_file(str(warc_file), stream, "crawl", errors.append, skipped))
    assert len(records) == 5 and sum(skipped.values()) == 3 and len(errors) == 1


def test_an_rss_feed_in_a_warc_is_split_into_its_items(tmp_path: Path) -> None:
    """A feed served from a crawl takes the feed path: one story per item, through `run`."""
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example.ru/{n}</link>"
        f"<description>{text}</description><pubDate>Tue, 0{n} May 2024 07:00:00 GMT</pubDate></item>"
        for n, (title, text) in enumerate(
            zip(["Бюджет", "Метро", "Школы"], RUSSIAN, strict=True), 1
        )
    )
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Городские новости</title>'
        f"<link>https://news.example.ru/</link>{items}</channel></rss>"
    )
    path = tmp_path / "feeds.warc.gz"
    path.write_bytes(
        warc_bytes(
            [
                Response(
                    "https://news.example.ru/rss",
                    feed.encode("koi8-r"),
                    "application/rss+xml; charset=koi8-r",
                )
            ],
            compress=True,
        )
    )
    result = run_ingest(["run", "-q", "--no-intro", str(path)])
    assert result.returncode == 0, result.stderr
    stories = parse_jsonl(result.stdout)
    assert [s["metadata"]["title"] for s in stories] == ["Бюджет", "Метро", "Школы"]
    assert [s["text"] for s in stories] == RUSSIAN
    assert {s["metadata"]["parent_id"] for s in stories} == {stories[0]["metadata"]["parent_id"]}
    assert [s["metadata"]["date"] for s in stories] == [
        f"2024-05-0{n}T07:00:00Z" for n in (1, 2, 3)
    ]


DECODE_KEYS = [
    "content_type",
    "encoding",
    "encoding_confidence",
    "declared_encoding",
    "decode_method",
    "replaced_bytes",
]


@pytest.mark.parametrize("encoding", ["koi8-r", "utf-8"])
def test_a_page_in_a_warc_is_decoded_and_described_as_the_same_file(
    tmp_path: Path, encoding: str
) -> None:
    """The same bytes, as a file and as a WARC response (no charset in its header), get the
    same decode metadata, in the same order, the WARC's own keys after it."""
    body = page("Бюджет", RUSSIAN, encoding).encode(encoding)
    (tmp_path / "page.html").write_bytes(body)
    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(warc_bytes([Response("https://example.org/b", body)], compress=True))
    [from_file] = read_records([str(tmp_path / "page.html")])
    [from_warc] = read_records([str(archive)])
    assert list(from_file.metadata) == DECODE_KEYS
    assert list(from_warc.metadata) == [*DECODE_KEYS, "url", "crawl_date"]
    assert {k: from_warc.metadata[k] for k in DECODE_KEYS} == from_file.metadata
    assert (
        from_file.metadata["encoding"] == encoding and from_file.metadata["content_type"] == "html"
    )
    cleaned = [
        parse_jsonl(invoke(["clean", str(p)]).stdout)[0] for p in (tmp_path / "page.html", archive)
    ]
    for key in DECODE_KEYS[1:]:
        assert cleaned[0]["metadata"][key] == cleaned[1]["metadata"][key], key
