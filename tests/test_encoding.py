"""Decoding (#3): every encoding of the issue, on real multilingual text, long and short."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.encoding import decode_bytes, find_declared_charset, normalize_encoding_name
from ingest.errors import BinaryInputError

from .conftest import SAMPLE_FILES, invoke, parse_jsonl

TEXTS: dict[str, str] = json.loads(
    (Path(__file__).parent / "data" / "multilingual.json").read_text()
)

# (text, encoding used to write it, codec expected in metadata.encoding)
CASES = [
    ("zh", "utf-8", "utf-8"),
    ("zh", "utf-8-sig", "utf-8"),
    ("zh", "utf-16", "utf-16-le"),
    ("zh", "utf-16-le", "utf-16-le"),
    ("zh", "utf-16-be", "utf-16-be"),
    ("zh", "utf-32", "utf-32-le"),
    ("zh", "gb2312", "gb18030"),
    ("zh", "gbk", "gb18030"),
    ("zh", "gb18030", "gb18030"),
    ("zh_short", "gb2312", "gb18030"),
    ("zh_short", "utf-16", "utf-16-le"),
    ("zh_hant", "big5", "big5hkscs"),
    ("ja", "shift_jis", "cp932"),
    ("ja", "cp932", "cp932"),
    ("ja", "euc-jp", None),
    ("ja_short", "shift_jis", "cp932"),
    ("ja_short", "euc-jp", None),
    ("ko", "euc-kr", "cp949"),
    ("ko", "cp949", "cp949"),
    ("ru", "koi8-r", "koi8-r"),
    ("ru", "cp1251", "cp1251"),
    ("ru", "iso-8859-5", "iso8859-5"),
    ("ru_short", "koi8-r", "koi8-r"),
    ("ru_short", "cp1251", "cp1251"),
    ("el", "iso-8859-7", None),
    ("el", "cp1253", "cp1253"),
    ("tr", "iso-8859-9", "cp1254"),
    ("tr", "cp1254", "cp1254"),
    ("tr", "utf-8", "utf-8"),
    ("fr", "cp1252", "cp1252"),
    ("fr", "iso-8859-1", "cp1252"),
    ("fr_short", "cp1252", "cp1252"),
    ("de", "cp1252", "cp1252"),
    ("es", "iso-8859-1", "cp1252"),
    ("pl", "iso-8859-2", "iso8859-2"),
    ("pl", "cp1250", "cp1250"),
]


@pytest.mark.parametrize(("key", "written", "expected_codec"), CASES)
def test_decoded_text_equals_the_original(
    key: str, written: str, expected_codec: str | None
) -> None:
    data = TEXTS[key].encode(written)
    decoded = decode_bytes(data)
    assert decoded.text == TEXTS[key]
    assert decoded.replaced == 0
    if expected_codec is not None:  # EUC-JP is read as its superset euc-jis-2004: same bytes
        assert decoded.encoding == expected_codec
    if "_short" in key:
        assert len(data) < 200


def test_every_case_through_the_cli(tmp_path: Path) -> None:
    for n, (key, written, _) in enumerate(CASES):
        (tmp_path / f"{n:02d}_{key}_{written}.txt").write_bytes(TEXTS[key].encode(written))
    result = invoke(["clean", "-q", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    records = parse_jsonl(result.stdout_bytes)
    assert [r["text"] for r in records] == [TEXTS[key] for key, _, _ in CASES]


def test_bom_and_utf8_are_trusted_fully() -> None:
    assert decode_bytes("\ufeffhé".encode("utf-8")).method == "bom"
    assert decode_bytes("hé".encode("utf-16")).confidence == 1.0
    plain = decode_bytes("héllo wörld".encode())
    assert (plain.method, plain.encoding, plain.confidence) == ("utf-8", "utf-8", 1.0)


def html_page(body: str, charset: str) -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>t</title></head>'
        f"<body><p>{body}</p></body></html>"
    )


def test_true_declared_charset_is_used() -> None:
    page = html_page(TEXTS["ru"], "windows-1251")
    decoded = decode_bytes(page.encode("cp1251"))
    assert decoded.text == page
    assert (decoded.method, decoded.declared_encoding, decoded.encoding) == (
        "declared",
        "cp1251",
        "cp1251",
    )


@pytest.mark.parametrize(
    ("key", "declared", "real"),
    [
        ("zh", "iso-8859-1", "gbk"),  # a latin-1 template around a GBK article
        ("ru", "utf-8", "cp1251"),  # claims UTF-8, is not valid UTF-8
        ("ja", "windows-1252", "shift_jis"),
        ("fr", "iso-8859-1", "utf-8"),  # valid UTF-8 beats a single-byte label
        ("zh", "shift_jis", "gb18030"),
    ],
)
def test_lying_meta_charset_is_overruled(key: str, declared: str, real: str) -> None:
    page = html_page(TEXTS[key], declared)
    decoded = decode_bytes(page.encode(real))
    assert decoded.text == page
    assert decoded.method in {"utf-8", "chardet"}
    assert decoded.declared_encoding == normalize_encoding_name(declared)


def test_http_equiv_and_xml_declarations_are_found() -> None:
    http_equiv = b'<meta http-equiv="Content-Type" content="text/html; charset=GB2312">'
    assert find_declared_charset(http_equiv) == "gb2312"
    assert find_declared_charset(b'<?xml version="1.0" encoding="Shift_JIS"?><a/>') == "shift-jis"
    assert find_declared_charset(b"<meta charset=klingon>") == ""
    assert find_declared_charset(b"no markup") == ""


def test_forced_encoding_wins_and_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(TEXTS["ru"].encode("koi8-r"))
    result = invoke(["clean", "-q", "--encoding", "KOI8-R", str(path)])
    record = parse_jsonl(result.stdout_bytes)[0]
    assert record["text"] == TEXTS["ru"]
    assert record["metadata"]["encoding"] == "koi8-r"
    assert record["metadata"]["decode_method"] == "forced"


def test_undecodable_bytes_become_replacement_characters_and_are_counted() -> None:
    # A UTF-8 page with a footer pasted in cp1252 and a stray byte.
    page = TEXTS["fr"] + "\n\n" + TEXTS["de"] + "\n\n"
    data = page.encode("utf-8") + "Rédaction: café".encode("cp1252") + b" \x81"
    decoded = decode_bytes(data)
    assert (decoded.encoding, decoded.method, decoded.replaced) == ("utf-8", "fallback", 3)
    assert decoded.text == page + "R\ufffddaction: caf\ufffd \ufffd"


@pytest.mark.parametrize("kind", ["png", "elf", "random", "zip"])
def test_binary_data_is_rejected(kind: str) -> None:
    import os
    import zipfile
    from io import BytesIO

    if kind == "png":
        data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(3000)
    elif kind == "elf":
        data = b"\x7fELF\x02\x01\x01" + bytes(9) + os.urandom(3000)
    elif kind == "random":
        data = os.urandom(4096)
    else:
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("a.bin", os.urandom(2000))
        data = buffer.getvalue()
    with pytest.raises(BinaryInputError, match="binary data"):
        decode_bytes(data)


def test_text_that_starts_like_a_file_signature_is_still_text() -> None:
    # "BM" opens a bitmap file, and chardet says so.
    assert decode_bytes(TEXTS["tr"].encode("cp1254")).text == TEXTS["tr"]


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "cp1252"])
def test_samples_reencoded_decode_to_the_same_text(
    tmp_path: Path, sample: Path, codec: str
) -> None:
    original = sample.read_text(encoding="utf-8")
    try:
        data = original.encode(codec)
    except UnicodeEncodeError:
        # 003 names "Marković": no cp1252 byte for "ć"; the rest must round-trip.
        assert sample.name.startswith("003") and codec == "cp1252"
        data = original.replace("ć", "c").encode(codec)
        original = original.replace("ć", "c")
    (tmp_path / sample.name).write_bytes(data)
    (tmp_path / "utf8.txt").write_bytes(original.encode("utf-8"))
    records = parse_jsonl(invoke(["clean", "-q", str(tmp_path)]).stdout_bytes)
    assert records[0]["text"] == records[1]["text"]
    assert records[0]["metadata"]["encoding"] == ("cp1252" if codec == "cp1252" else "utf-16-le")


def test_transport_charset_settles_what_chardet_gets_wrong() -> None:
    text = "Ça va très bien, merci."
    data = text.encode("cp1252")
    assert decode_bytes(data).text != text  # too short for chardet (it says cp1257)
    decoded = decode_bytes(data, transport_charset="Windows-1252")
    assert decoded.text == text
    assert (decoded.method, decoded.declared_encoding) == ("declared", "cp1252")


def test_transport_charset_is_preferred_to_the_page_and_weighed_like_it() -> None:
    french = "Le conseil municipal a adopté mardi un plan de rénovation des écoles du quartier."
    page = f'<meta charset="utf-8"><p>{french}</p>'.encode("cp1252")
    assert decode_bytes(page, transport_charset="windows-1252").declared_encoding == "cp1252"
    # A header that lies is not believed, as a lying <meta> is not.
    russian = "Городской совет утвердил новый бюджет на следующий год."
    lying = decode_bytes(russian.encode("cp1251"), transport_charset="iso-8859-1")
    assert lying.text == russian and lying.encoding == "cp1251"
    # Unknown labels are no evidence at all.
    assert (
        decode_bytes(french.encode("cp1252"), transport_charset="x-nonsense").declared_encoding
        == ""
    )


def test_a_declared_codec_chardet_does_not_know_is_not_a_crash() -> None:
    """ISO-2022-JP is 7-bit with escapes (too many control bytes to pass as UTF-8 text);
    chardet has no such name to weigh it against: the strict decode is the evidence."""
    text = "「東京2024」は、AとBの間でNo.1の予算案3件を発表。" * 3  # many script switches
    data = text.encode("iso2022_jp")
    for decoded in (
        decode_bytes(data, transport_charset="ISO-2022-JP"),
        decode_bytes(b'<meta charset="iso-2022-jp">' + data),
    ):
        assert decoded.text.endswith(text) and decoded.encoding == "iso2022-jp"
