"""Bytes in any encoding -> Unicode text, trusting the evidence in a careful order.

Order of evidence: a byte-order mark; a charset the page declares (HTML ``<meta>``, XML
declaration) when the bytes decode with it and chardet does not find it implausible; strict
UTF-8; chardet's detection; and last cp1252 with U+FFFD for what does not decode. Labels
that browsers know to be wrong are widened the way the WHATWG Encoding Standard does.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import chardet
from chardet import EncodingEra

from .errors import BinaryInputError

# Checked longest first: a UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# What browsers decode these labels as (WHATWG Encoding Standard): the narrower codecs
# reject bytes that real pages labelled this way contain.
LABEL_SUPERSETS = {
    "ascii": "cp1252",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift-jis": "cp932",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
}

# Enough of a page to hold its <meta charset> or XML declaration.
DECLARATION_WINDOW = 4096
DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_:.\-]+)""",
    re.IGNORECASE,
)
# A declared charset is believed unless chardet rates it below this share of its own pick.
DECLARED_MIN_RELATIVE_CONFIDENCE = 0.5
# Share of control characters above which decoded bytes are not text.
MAX_CONTROL_SHARE = 0.05
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
FALLBACK_ENCODING = "cp1252"
# Web-era encodings and the ISO-8859 family; Mac, DOS and mainframe code pages win chardet's
# vote on short Latin text (hp-roman8 for French) far more often than they are right.
DETECTION_ERAS = EncodingEra.MODERN_WEB | EncodingEra.LEGACY_ISO
# Valid UTF-8 sequences needed per invalid byte to read a document as UTF-8 with repairs.
MIN_VALID_UTF8_RATIO = 4
CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0b\x0e-\x1f\x7f]")
# chardet's signature sniffing looks at the first bytes only; skipping these hides them.
SIGNATURE_BYTES = 8
# Code pages that share a script and so confuse chardet; the first of each is preferred.
SINGLE_BYTE_FAMILIES = (
    ("cp1250", "iso8859-2"),
    ("cp1251", "iso8859-5", "koi8-r", "koi8-u"),
    ("cp1252", "iso8859-15"),
    ("cp1253", "iso8859-7"),
    ("cp1257", "iso8859-13", "iso8859-4"),
)
# A symbol between two letters, or a capital after a small letter: rare in any real text.
WORD_INTERNAL_ODDITY = re.compile(
    r"(?<=[^\W\d_])(?:[^\w\s'’\-.,]|(?<=[a-zа-яα-ω])[A-ZА-ЯΑ-Ω])(?=[^\W\d_])"
)
IMPLAUSIBLE_CATEGORIES = frozenset({"Cn", "Co", "Cs", "Cc"})
MAX_IMPLAUSIBLE_SHARE = 0.01
# Not chardet's number: the share of real BOM-less UTF-16 our own check accepts is higher
# than what it says of random bytes, but a BOM or valid UTF-8 is better evidence still.
BOMLESS_UTF16_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, and how."""

    text: str
    encoding: str
    confidence: float
    declared_encoding: str
    method: str  # "bom", "declared", "utf-8", "chardet", "forced" or "fallback"
    replaced: int  # bytes that did not decode and became U+FFFD


def normalize_encoding_name(name: str) -> str:
    """Python's canonical codec name, hyphenated; raises ``LookupError`` if unknown.

    >>> normalize_encoding_name("Shift_JIS")
    'shift-jis'
    """
    return codecs.lookup(name).name.replace("_", "-")


def browser_codec(label: str) -> str:
    """The codec a browser really uses for ``label``; raises ``LookupError`` if unknown.

    >>> browser_codec("GB2312"), browser_codec("iso-8859-1"), browser_codec("utf8")
    ('gb18030', 'cp1252', 'utf-8')
    """
    name = normalize_encoding_name(label)
    return LABEL_SUPERSETS.get(name, name)


def find_declared_charset(data: bytes) -> str:
    """The charset named in an HTML ``<meta>`` or XML declaration near the start, or ``""``."""
    return _declared_name(DECLARED_CHARSET.search(data[:DECLARATION_WINDOW]))


def _declared_name(match: re.Match[bytes] | None) -> str:
    if not match:
        return ""
    return _known_label((match.group(1) or match.group(2)).decode("ascii", "replace"))


def _known_label(label: str) -> str:
    """``label`` as a canonical codec name, or ``""`` when Python knows no such codec."""
    if not label:
        return ""
    try:
        return normalize_encoding_name(label)
    except LookupError:
        return ""


def _blanked(data: bytes, match: re.Match[bytes] | None) -> bytes:
    """``data`` with the declaration replaced by spaces, so chardet cannot read it."""
    if not match:
        return data
    return data[: match.start()] + b" " * (match.end() - match.start()) + data[match.end() :]


def decode_bytes(data: bytes, encoding: str | None = None, transport_charset: str = "") -> Decoded:
    """Decode ``data`` by the best evidence; ``encoding`` forces a codec.

    ``transport_charset`` is the charset the server sent (HTTP ``Content-Type``): weighed like
    a declaration in the page, and preferred to it, as browsers do.
    Raises ``BinaryInputError`` when the bytes are not text in any encoding.
    """
    declaration = DECLARED_CHARSET.search(data[:DECLARATION_WINDOW])
    declared = _known_label(transport_charset) or _declared_name(declaration)
    if encoding:
        return _decode_with(data, browser_codec(encoding), 1.0, declared, "forced")
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom) :], codec, 1.0, declared, "bom")
    utf8 = _strict(data, "utf-8")
    # NUL is valid UTF-8, but text with NULs is UTF-16/32 without a BOM, or binary.
    if utf8 is not None and "\x00" not in utf8 and not _looks_binary(utf8):
        return Decoded(utf8, "utf-8", 1.0, declared, "utf-8", 0)
    if utf8 is None and _mostly_utf8(data):
        return _decode_with(data, "utf-8", 1.0, declared, "fallback")
    # chardet reads <meta charset> itself; hide it to get an independent second opinion.
    hidden = _blanked(data, declaration)
    detected, detected_confidence = _detect(hidden)
    if declared and declared != "utf-8":
        codec = browser_codec(declared)
        if _strict(data, codec) is not None and _declaration_plausible(hidden, codec, detected):
            return _decode_with(data, codec, 1.0, declared, "declared")
    if detected is None:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise BinaryInputError("binary data, not a text document")
        detected, detected_confidence = utf16, BOMLESS_UTF16_CONFIDENCE
    return _decode_with(data, detected, detected_confidence, declared, "chardet")


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few stray bytes (a cp1252 footer pasted into a UTF-8 page)."""
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - invalid  # non-ASCII, decoded
    return valid >= MIN_VALID_UTF8_RATIO * invalid and valid > 0


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM, which chardet misses for CJK text (it has no NUL bytes to see).

    Random bytes read as UTF-16 hit private-use, unassigned or surrogate code points about
    one time in seven, so near-zero of them is strong evidence of text.
    """
    if len(data) % 2:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        text = _strict(data, codec)
        if text is not None and _implausible_share(text) <= MAX_IMPLAUSIBLE_SHARE:
            return codec
    return None


def _implausible_share(text: str) -> float:
    sample = text[:8192]
    if not sample:
        return 1.0
    bad = sum(
        1
        for char in sample
        if unicodedata.category(char) in IMPLAUSIBLE_CATEGORIES and char not in "\t\n\r"
    )
    return bad / len(sample)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> tuple[str | None, float]:
    """chardet's pick among the encodings of the web era, widened like a browser would."""
    result = _chardet(data)
    if result["encoding"] is None and _text_like_bytes(data):
        # chardet sniffs file signatures first: text that starts with "BM" is a "bitmap".
        result = _chardet(data[SIGNATURE_BYTES:])
    if result["encoding"] is None:
        return None, float(result["confidence"] or 0.0)
    try:
        codec = browser_codec(result["encoding"])
    except LookupError:
        return FALLBACK_ENCODING, 0.0
    return _best_sibling(data, codec), float(result["confidence"])


def _chardet(data: bytes) -> chardet.DetectionDict:
    return chardet.detect(
        data, encoding_era=DETECTION_ERAS, prefer_superset=True, compat_names=False
    )


def _text_like_bytes(data: bytes) -> bool:
    sample = data[:65536]
    return b"\x00" not in sample and len(CONTROL_BYTES.findall(sample)) <= 0.01 * len(sample)


def _best_sibling(data: bytes, codec: str) -> str:
    """Among single-byte code pages of one script, the decode that reads most like words.

    chardet's statistics rarely tell ISO-8859-2 from cp1250 or ISO-8859-5 from cp1251: the
    letters are the same, at other byte values. The wrong one puts symbols (``¶``, ``±``) or
    capitals inside lower-case words. Ties go to the family's web code page.
    """
    family = next((f for f in SINGLE_BYTE_FAMILIES if codec in f), None)
    if family is None:
        return codec
    scores = {}
    for candidate in family:
        text = _strict(data, candidate)
        if text is not None:
            scores[candidate] = len(WORD_INTERNAL_ODDITY.findall(text))
    return min(scores, key=lambda c: scores[c]) if scores else codec


def _declaration_plausible(hidden: bytes, declared: str, detected: str | None) -> bool:
    """A declared charset is a claim: believe it unless chardet, shown the page without the
    declaration (``hidden``), finds it far less likely than its own pick."""
    if detected is None or detected == declared:
        return True
    try:
        candidates = chardet.detect_all(
            hidden,
            encoding_era=EncodingEra.ALL,
            include_encodings=[declared, detected],
            prefer_superset=True,
            compat_names=False,
        )
    except ValueError:  # a codec chardet cannot weigh (iso2022-jp): the bytes decode with it
        return True
    scores = {}
    for candidate in candidates:
        if candidate["encoding"]:
            try:
                scores[browser_codec(candidate["encoding"])] = float(candidate["confidence"])
            except LookupError:
                continue
    best = max(scores.values(), default=0.0)
    return scores.get(declared, 0.0) >= DECLARED_MIN_RELATIVE_CONFIDENCE * best


def _decode_with(data: bytes, codec: str, confidence: float, declared: str, method: str) -> Decoded:
    text = data.decode(codec, errors="replace")
    replaced = text.count("\ufffd") - _strict_count_fffd(data, codec)
    if _looks_binary(text):
        raise BinaryInputError("binary data, not a text document")
    name = normalize_encoding_name(codec)
    if replaced and method == "chardet":
        method = "fallback"
    return Decoded(text, name, round(confidence, 4), declared, method, replaced)


def _strict_count_fffd(data: bytes, codec: str) -> int:
    """U+FFFD already in the source text (encoded), so that only our replacements count."""
    try:
        return len(re.findall(re.escape("\ufffd".encode(codec)), data))
    except (UnicodeEncodeError, LookupError):
        return 0


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = len(CONTROL_CHARS.findall(text[:65536]))
    return controls > MAX_CONTROL_SHARE * min(len(text), 65536)
