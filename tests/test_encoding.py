"""Decoding (#3, #9): every encoding, on real multilingual text and real files, long and short."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.encoding import decode_bytes, find_declared_charset, normalize_encoding_name, widened
from ingest.errors import BinaryInputError

from .conftest import SAMPLE_FILES, invoke, parse_jsonl, run_ingest

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
    # Labels that read these bytes as the same text (cp1252, ISO-8859-1/15) are all right.
    ("fr", "cp1252", None),
    ("fr", "iso-8859-1", None),
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
    assert data.decode(decoded.encoding).removeprefix("\ufeff") == TEXTS[key]
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


def test_a_byte_order_mark_wins_over_a_forced_encoding(tmp_path: Path) -> None:
    # the README's example forces gb18030 on a folder that also holds UTF-16 with a BOM: that
    # file was rejected as binary data
    path = tmp_path / "utf16.txt"
    path.write_bytes(b"\xff\xfe" + TEXTS["zh"].encode("utf-16-le"))
    result = invoke(["clean", "-q", "--encoding", "gb18030", str(path)])
    assert result.exit_code == 0, result.stderr
    (record,) = parse_jsonl(result.stdout_bytes)
    assert record["text"] == TEXTS["zh"] and record["metadata"]["decode_method"] == "bom"
    assert decode_bytes(b"\xef\xbb\xbf" + "café".encode(), "cp1252").text == "café"


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


# --- #9: the classes of error found on real files -------------------------------------------

ENCODINGS_DATA = Path(__file__).parent / "data" / "encodings"
ENGLISH = SAMPLE_FILES[0].read_text(encoding="utf-8")


def real_file(name: str) -> tuple[bytes, str]:
    """A uchardet file from tests/data/encodings and its true text (codec in the name)."""
    data = (ENCODINGS_DATA / name).read_bytes()
    codec = name.split("-", 1)[1].removesuffix(".txt")
    return data, data.decode(codec)


def assert_cli_reads(tmp_path: Path, data: bytes, text: str) -> dict:
    """``ingest clean`` reads ``data`` as it reads ``text`` written in UTF-8; its record."""
    (tmp_path / "a_encoded.txt").write_bytes(data)
    (tmp_path / "b_utf8.txt").write_bytes(text.encode("utf-8"))
    result = invoke(["clean", "-q", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    encoded, utf8 = parse_jsonl(result.stdout_bytes)
    assert encoded["text"] == utf8["text"]
    assert data.decode(encoded["metadata"]["encoding"]) == text
    return encoded


# Code pages that an era restriction hid from chardet: Russian came out as ISO-8859-5 or Greek.
DOS_AND_MAC_PAGES = ["ru-cp866.txt", "ru-mac-cyrillic.txt", "cs-cp852.txt"]
# Correct ISO answers that used to be renamed to a Windows page with other letters.
ISO_PAGES = ["pl-iso8859-2.txt", "lv-iso8859-4.txt", "ar-iso8859-6.txt"]
# Where bare chardet picks a sibling with other letters (no model for the pair): the
# language plausibility step gets these right.
PAST_CHARDET = ["pl-iso8859-13.txt", "fr-iso8859-15.txt"]
ESCAPE_FILES = ["ko-iso2022-kr.txt", "ja-iso2022-jp.txt"]


@pytest.mark.parametrize("name", DOS_AND_MAC_PAGES + ISO_PAGES + PAST_CHARDET + ESCAPE_FILES)
def test_real_file_decodes_to_its_text(name: str) -> None:
    data, text = real_file(name)
    decoded = decode_bytes(data)
    assert decoded.text == text
    assert decoded.replaced == 0


@pytest.mark.parametrize(
    "name", DOS_AND_MAC_PAGES + ISO_PAGES + PAST_CHARDET + ESCAPE_FILES + ["ja-utf-16-le.txt"]
)
def test_real_file_through_the_cli(tmp_path: Path, name: str) -> None:
    data, text = real_file(name)
    assert_cli_reads(tmp_path, data, text)


def test_iso2022_kr_file_is_not_dropped_as_binary_by_the_real_cli(tmp_path: Path) -> None:
    data, text = real_file("ko-iso2022-kr.txt")
    (tmp_path / "a_korean.txt").write_bytes(data)
    (tmp_path / "b_korean_utf8.txt").write_bytes(text.encode("utf-8"))
    result = run_ingest(["clean", "-q", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    korean, utf8 = parse_jsonl(result.stdout)
    assert korean["metadata"]["encoding"] == "iso2022-kr"
    assert korean["text"] == utf8["text"]
    assert "문자 집합" in korean["text"]


@pytest.mark.parametrize("name", ISO_PAGES)
def test_iso_answer_is_not_renamed_to_a_windows_page(name: str) -> None:
    data, _ = real_file(name)
    assert decode_bytes(data).encoding == name.split("-", 1)[1].removesuffix(".txt")


@pytest.mark.parametrize("name", ISO_PAGES)
def test_truthful_iso_declaration_is_believed(name: str) -> None:
    data, text = real_file(name)
    label = name.split("-", 1)[1].removesuffix(".txt").replace("iso8859", "iso-8859")
    page = f'<html><head><meta charset="{label}"></head><body><p>'.encode() + data
    decoded = decode_bytes(page + b"</p></body></html>")
    assert (decoded.method, decoded.encoding) == ("declared", normalize_encoding_name(label))
    assert text in decoded.text


def test_short_lower_case_koi8_r_is_not_read_as_cp1251(tmp_path: Path) -> None:
    text = TEXTS["ru_short"].lower()
    decoded = decode_bytes(text.encode("koi8-r"))
    assert (decoded.text, decoded.encoding) == (text, "koi8-r")
    assert assert_cli_reads(tmp_path, text.encode("koi8-r"), text)["metadata"]["encoding"] == (
        "koi8-r"
    )


@pytest.mark.parametrize("name", ESCAPE_FILES)
def test_escape_encodings_are_found_before_utf8(name: str) -> None:
    data, _ = real_file(name)
    decoded = decode_bytes(data)
    assert decoded.encoding == name.split("-", 1)[1].removesuffix(".txt")
    assert decoded.method == "sniffed"
    assert "\x1b" not in decoded.text


def test_sparse_iso2022_jp_in_english_text_is_not_taken_as_utf8(tmp_path: Path) -> None:
    # One Japanese phrase in a long English text: too few escape bytes to look binary.
    text = ENGLISH + " 日本語のテキスト。" + ENGLISH
    data = text.encode("iso2022_jp")
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding) == (text, "iso2022-jp")
    assert_cli_reads(tmp_path, data, text)


def test_hz_is_decoded(tmp_path: Path) -> None:
    data = TEXTS["zh"].encode("hz")
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding) == (TEXTS["zh"], "hz")
    assert_cli_reads(tmp_path, data, TEXTS["zh"])


def test_tilde_brace_in_ascii_is_not_hz() -> None:
    text = "Braces in prose: ~{ab~} stays as it is.\n"
    assert decode_bytes(text.encode("ascii")).text == text


@pytest.mark.parametrize("padding", ["", "\n"])
def test_iso2022_kr_of_either_length_is_not_read_as_utf16(padding: str) -> None:
    # The old BOM-less UTF-16 check took any even-length 7-bit text, shift bytes and all.
    text = TEXTS["ko"] + padding
    decoded = decode_bytes(text.encode("iso2022_kr"))
    assert (decoded.text, decoded.encoding) == (text, "iso2022-kr")


@pytest.mark.parametrize(
    ("key", "codec"),
    [("de", "utf-16-le"), ("ru", "utf-16-be"), ("zh", "utf-16-le"), ("zh", "utf-16-be")],
)
def test_bomless_utf16_is_text_not_binary(tmp_path: Path, key: str, codec: str) -> None:
    data = TEXTS[key].encode(codec)
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding) == (TEXTS[key], codec)
    assert_cli_reads(tmp_path, data, TEXTS[key])


def test_bomless_utf16_english_sample_through_the_cli(tmp_path: Path) -> None:
    assert decode_bytes(ENGLISH.encode("utf-16-le")).text == ENGLISH
    assert_cli_reads(tmp_path, ENGLISH.encode("utf-16-le"), ENGLISH)


# --- label widening only where the text stays the same or gains -------------------------------


def test_iso_8859_1_label_widens_to_cp1252_where_it_gains_characters() -> None:
    data = "“Déjà vu” — 5 €".encode("cp1252")
    assert widened(data, "iso-8859-1") == "cp1252"
    assert decode_bytes(data, "iso-8859-1").text == "“Déjà vu” — 5 €"


def test_big5_is_not_widened_where_hkscs_changes_characters() -> None:
    text = "繁體中文ヾ測試"  # Big5-HKSCS reads the Big5 bytes of "ヾ" as "①"
    data = text.encode("big5")
    assert widened(data, "big5") == "big5"
    assert decode_bytes(data, "big5").text == text


def test_shift_jis_widens_to_cp932_only_when_the_text_is_the_same_or_more() -> None:
    assert widened("日本語のテキスト".encode("shift_jis"), "shift_jis") == "cp932"
    # U+301C WAVE DASH: cp932 reads its Shift_JIS bytes as U+FF5E, another character.
    assert widened("日本語〜テキスト".encode("shift_jis"), "shift_jis") == "shift-jis"
    # NEC circled digits are not Shift_JIS at all: cp932 is the only reading.
    assert widened("日本語①テキスト".encode("cp932"), "shift_jis") == "cp932"


# --- declarations: transport (HTTP) before <meta>, both checked --------------------------------


def test_transport_charset_goes_before_the_meta_charset() -> None:
    page = html_page(TEXTS["ru"], "iso-8859-5")  # the meta lies, the header is right
    decoded = decode_bytes(page.encode("koi8-r"), transport_charset="KOI8-R")
    assert decoded.text == page
    assert (decoded.method, decoded.encoding, decoded.declared_encoding) == (
        "declared",
        "koi8-r",
        "koi8-r",
    )


def test_lying_transport_charset_is_overruled() -> None:
    page = f"<html><body><p>{TEXTS['zh']}</p></body></html>"
    decoded = decode_bytes(page.encode("gbk"), transport_charset="iso-8859-1")
    assert decoded.text == page
    assert decoded.declared_encoding == normalize_encoding_name("iso-8859-1")
    assert decoded.method != "declared"


def test_lying_transport_charset_falls_back_to_a_true_meta() -> None:
    page = html_page(TEXTS["ru"], "koi8-r")
    decoded = decode_bytes(page.encode("koi8-r"), transport_charset="windows-1252")
    assert (decoded.text, decoded.method, decoded.encoding) == (page, "declared", "koi8-r")
    assert decoded.declared_encoding == "cp1252"


def test_unknown_transport_charset_falls_back_to_the_meta() -> None:
    page = html_page(TEXTS["ru"], "windows-1251")
    decoded = decode_bytes(page.encode("cp1251"), transport_charset="x-klingon")
    assert (decoded.text, decoded.method, decoded.encoding) == (page, "declared", "cp1251")


def test_bom_beats_the_transport_charset() -> None:
    decoded = decode_bytes("\ufeffhé".encode("utf-8"), transport_charset="iso-8859-1")
    assert (decoded.text, decoded.method) == ("hé", "bom")


def test_one_chardet_analysis_per_declared_page(monkeypatch: pytest.MonkeyPatch) -> None:
    import chardet

    calls = []
    real_detect_all = chardet.detect_all

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real_detect_all(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(chardet, "detect_all", counting)
    monkeypatch.setattr(chardet, "detect", counting)
    page = html_page(TEXTS["ru"], "windows-1251")
    assert decode_bytes(page.encode("cp1251")).method == "declared"
    assert len(calls) == 1


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
