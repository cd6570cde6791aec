"""Bytes in any encoding -> Unicode text, trusting the evidence in a careful order.

Order of evidence: a byte-order mark; the escape sequences of a 7-bit encoding (ISO-2022,
HZ); strict UTF-8 (and UTF-8 with a few stray bytes); a charset declared by the transport
(HTTP ``Content-Type``) or else the page (``<meta>``, XML declaration), when the bytes decode
with it and chardet, shown the page without the declaration, does not rate it far below its
own pick; chardet's ranked candidates over all its encodings, where a single-byte code page
chardet has no model for may win on language plausibility; BOM-less UTF-16 of CJK text that
chardet calls binary. Labels are widened the way browsers do only where that keeps the text.

Each step that overrides bare chardet is kept because ``benchmarks/bench_decode.py`` shows it
gaining on some set and losing on none (README, "Measured").
"""

from __future__ import annotations

import codecs
import functools
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import BinaryInputError

# chardet is imported when a document needs it: UTF-8, ASCII and BOM-marked text (most of
# what is cleaned) never do, and its import is a tenth of a clean run's start-up. (It
# registers no codec: what decodes does not depend on whether it was imported.)
if TYPE_CHECKING:
    import chardet

# Checked longest first: a UTF-32-LE BOM starts with the UTF-16-LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The wider codec browsers use for these labels (WHATWG Encoding Standard). Used only where,
# on the bytes at hand, it gives the same text or more text (see ``widened``): the pairs are
# not exact supersets (Big5-HKSCS moves 249 Big5 characters, cp932 six of Shift_JIS).
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

# The longest character of the wide codecs (GB18030's four-byte sequences).
MAX_CHARACTER_BYTES = 4
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
# Every byte but those of CONTROL_CHARS: deleted, they leave an ASCII text's controls.
NOT_CONTROL_BYTES = bytes(b for b in range(256) if not CONTROL_CHARS.match(chr(b)))
# An OSC sequence: a terminal's window title or link (ESC ] 0;title BEL, or ending in ESC \),
# in logged terminal output. Its body holds no control, so a match never hides one.
TERMINAL_OSC = re.compile(r"\x1b\][^\x00-\x1f\x7f]{0,4096}(?:\x07|\x1b\\)")
# Terminal escapes, OSC and CSI (colours, cursor moves: ESC [ 31m). A text made of terminal
# output holds ESC and BEL in every line: they are not counted as the controls of binary
# data, which other controls (NUL first) give away.
TERMINAL_ESCAPES = re.compile(rf"{TERMINAL_OSC.pattern}|\x1b\[[0-?]*[ -/]*[@-~]")
TERMINAL_ESCAPE_BYTES = re.compile(TERMINAL_ESCAPES.pattern.encode("ascii"))
# Valid UTF-8 sequences needed per invalid byte to read a document as UTF-8 with repairs.
MIN_VALID_UTF8_RATIO = 4
CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0b\x0e-\x1f\x7f]")
# chardet's signature sniffing looks at the first bytes only; skipping these hides them.
SIGNATURE_BYTES = 8
IMPLAUSIBLE_CATEGORIES = frozenset({"Cn", "Co", "Cs", "Cc"})
MAX_IMPLAUSIBLE_SHARE = 0.01
# Escape sequences that only the 7-bit CJK encodings write (RFC 1468, 1557, 1843).
ESCAPE_ENCODINGS: tuple[tuple[re.Pattern[bytes], tuple[str, ...]], ...] = (
    (re.compile(rb"\x1b\$\)C"), ("iso2022-kr",)),
    (re.compile(rb"\x1b\$[@B(]|\x1b\([BJI]"), ("iso2022-jp", "iso2022-jp-2", "iso2022-jp-ext")),
    (re.compile(rb"~\{[\x21-\x7e]{2}"), ("hz",)),
)
# Characters outside ASCII that the escapes must yield; HZ needs a few, since a stray ``~{``
# in ASCII text also decodes, as one rare character.
MIN_ESCAPED_CHARACTERS = {
    "iso2022-kr": 1,
    "iso2022-jp": 1,
    "iso2022-jp-2": 1,
    "iso2022-jp-ext": 1,
    "hz": 4,
}
NON_ASCII = re.compile(rb"[\x80-\xff]")
ASCII_BYTES = bytes(range(128))
# NUL-free UTF-16: the low byte of a CJK code unit is >= 0x80 about half the time.
MIN_CJK_UTF16_HIGH_BYTES = 0.15
CJK_RANGES = (
    ("\u3000", "\u30ff"),  # CJK punctuation, kana
    ("\u3100", "\u9fff"),  # bopomofo, Hangul compatibility jamo, CJK ideographs
    ("\uac00", "\ud7af"),  # Hangul syllables
    ("\uf900", "\ufaff"),  # CJK compatibility ideographs
    ("\uff00", "\uffef"),  # full-width forms
)
# chardet's candidates kept (with ignore_threshold it ranks about a hundred).
MAX_CANDIDATES = 20
# The language plausibility measure: the languages chardet names for candidates within this
# share of its top confidence are the ones a challenger must read better in.
LANGUAGE_TIE = 0.9
# Above this confidence chardet's statistics are not overruled (and the cost is saved): the
# code pages it confuses come out of its analysis with about 0.1 to 0.4.
PLAUSIBILITY_BELOW = 0.5
# Bytes looked at: plenty to tell code pages apart, and a bounded cost on long documents.
PLAUSIBILITY_SAMPLE = 16384
# A single-byte code page defines at least this many of the 128 high bytes (ISO-8859-6 ~50).
MIN_SINGLE_BYTE_DEFINED = 32
# A challenger must gain this much model weight (0-255) per differing byte pair.
DUEL_MARGIN = 1.0
# Symbols that sit in a code page where another has a letter or the euro: read between
# letters they are the mark of the wrong code page.
ODD_SYMBOLS = frozenset("¤¦¨´¸¼½¾")
ODD_SYMBOL_PENALTY = 16
NONZERO_BYTE = re.compile(rb"[^\x00]")
NOT_TEXT = re.compile("[\x80-\x9f\ufffd]")
# CJK codecs tried when chardet has only a weak single-byte guess, with their language.
CJK_CODECS = (
    ("gb18030", "zh"),
    ("big5", "zh"),
    ("cp932", "ja"),
    ("euc-jp", "ja"),
    ("cp949", "ko"),
)
MIN_CJK_CHARACTERS = 8
MIN_COMMON_CJK_SHARE = 0.9
# Not chardet's number: a BOM or valid UTF-8 is better evidence than a byte pattern.
SNIFFED_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, and how."""

    text: str
    encoding: str
    confidence: float
    declared_encoding: str
    # "bom", "declared", "utf-8", "sniffed", "chardet", "forced" or "fallback"
    method: str
    replaced: int  # bytes that did not decode and became U+FFFD

    def metadata(self, content_type: str) -> dict[str, str | float | int]:
        """A record's metadata for a ``content_type`` document decoded so: its kind, then how
        it was decoded (the keys of the README's record schema, in its order)."""
        return {
            "content_type": content_type,
            "encoding": self.encoding,
            "encoding_confidence": self.confidence,
            "declared_encoding": self.declared_encoding,
            "decode_method": self.method,
            "replaced_bytes": self.replaced,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of chardet's ranked guesses."""

    codec: str
    confidence: float
    language: str = ""


def normalize_encoding_name(name: str) -> str:
    """Python's canonical codec name, hyphenated; raises ``LookupError`` if unknown.

    >>> normalize_encoding_name("Shift_JIS")
    'shift-jis'
    """
    return codecs.lookup(name).name.replace("_", "-")


def browser_codec(label: str) -> str:
    """The codec a browser uses for ``label``; raises ``LookupError`` if unknown.

    >>> browser_codec("GB2312"), browser_codec("iso-8859-1"), browser_codec("utf8")
    ('gb18030', 'cp1252', 'utf-8')
    """
    name = normalize_encoding_name(label)
    return LABEL_SUPERSETS.get(name, name)


def widened(data: bytes, codec: str) -> str:
    """``codec``'s wider browser codec if it reads ``data`` as the same text or more text.

    More text: where the narrow codec fails (U+FFFD) or reads a C1 control, the wide one
    reads a character; every other character must stay the same.

    >>> widened("œuvre".encode("cp1252"), "iso8859-1"), widened(b"plain", "iso8859-1")
    ('cp1252', 'cp1252')
    >>> widened("ヾ".encode("big5"), "big5")  # Big5-HKSCS reads these two bytes as "①"
    'big5'
    """
    name = normalize_encoding_name(codec)
    wide = LABEL_SUPERSETS.get(name)
    if wide is None:
        return name
    narrow_text = data.decode(name, errors="replace")
    wide_text = data.decode(wide, errors="replace")
    if narrow_text == wide_text:
        return wide
    if "\ufffd" not in wide_text and _strict(data, name) is None and _strict(data, wide):
        return wide  # the bytes are not in the narrow codec at all
    if _single_byte_chars(name) is not None and _single_byte_chars(wide) is not None:
        gains = all(
            n == w or NOT_TEXT.match(n) for n, w in zip(narrow_text, wide_text, strict=True)
        )
    else:
        # The narrow decode with the wide codec filling in only where the narrow one fails.
        gains = data.decode(name, errors=_filled_in_by(wide)) == wide_text
    return wide if gains else name


@functools.cache
def _filled_in_by(wide: str) -> str:
    """The name of a decode error handler that reads the failing bytes with ``wide``."""

    def fill_in(error: UnicodeError) -> tuple[str, int]:
        assert isinstance(error, UnicodeDecodeError)
        for length in range(1, MAX_CHARACTER_BYTES + 1):
            text = _strict(error.object[error.start : error.start + length], wide)
            if text:
                return text, error.start + length
        return "\ufffd", error.end

    handler = f"ingest-fill-in-{wide}"
    codecs.register_error(handler, fill_in)
    return handler


def find_declared_charset(data: bytes) -> str:
    """The charset named in an HTML ``<meta>`` or XML declaration near the start, or ``""``."""
    return _declared_name(_declaration(data))


def _declaration(data: bytes) -> re.Match[bytes] | None:
    """The ``<meta charset>`` or ``<?xml encoding>`` in the head of ``data``; both begin with
    "<", which most plain text lacks (a byte search, many times cheaper than the regex's)."""
    head = data[:DECLARATION_WINDOW]
    return DECLARED_CHARSET.search(head) if b"<" in head else None


def _declared_name(match: re.Match[bytes] | None) -> str:
    if not match:
        return ""
    return _known_codec((match.group(1) or match.group(2)).decode("ascii", "replace"))


@functools.lru_cache(maxsize=1024)
def _known_codec(label: str) -> str:
    try:
        return normalize_encoding_name(label.strip().strip("\"'")) if label.strip() else ""
    except LookupError:
        return ""


def _blanked(data: bytes, match: re.Match[bytes] | None) -> bytes:
    """``data`` with the declaration replaced by spaces, so chardet cannot read it."""
    if not match:
        return data
    return data[: match.start()] + b" " * (match.end() - match.start()) + data[match.end() :]


def decode_bytes(
    data: bytes, encoding: str | None = None, *, transport_charset: str = ""
) -> Decoded:
    """Decode ``data`` by the best evidence; ``encoding`` forces a codec, but for text that
    starts with a byte order mark.

    ``transport_charset`` is the charset of an HTTP ``Content-Type`` header: like a browser,
    it goes before the page's own ``<meta charset>``, and both are checked against the bytes.
    Raises ``BinaryInputError`` when the bytes are not text in any encoding.
    """
    declaration = _declaration(data)
    claims = [c for c in (_known_codec(transport_charset), _declared_name(declaration)) if c]
    declared = claims[0] if claims else ""
    # A byte order mark goes first, as in a browser (the WHATWG's "decode" reads the BOM
    # before any override): a forced gb18030 read UTF-16 text as binary junk.
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom) :], codec, 1.0, declared, "bom")
    if encoding:
        return _decode_with(data, widened(data, encoding), 1.0, declared, "forced")
    escaped = _escape_encoding(data)
    if escaped is not None:
        return _decode_with(data, escaped, 1.0, declared, "sniffed")  # escapes are unambiguous
    utf8 = _strict(data, "utf-8")
    # NUL is valid UTF-8, but text with NULs is UTF-16/32 without a BOM, or binary.
    if utf8 is not None and "\x00" not in utf8 and not _looks_binary(utf8):
        return Decoded(utf8, "utf-8", 1.0, declared, "utf-8", 0)
    if utf8 is None and _mostly_utf8(data):
        return _decode_with(data, "utf-8", 1.0, declared, "fallback")
    # chardet reads <meta charset> itself; hide it to get an independent second opinion.
    candidates = _detect(_blanked(data, declaration))
    for claim in claims:
        if claim == "utf-8":
            continue
        codec = widened(data, claim)
        if _believable(data, codec, candidates):
            return _decode_with(data, codec, 1.0, declared, "declared")
    if not candidates:
        cjk_utf16 = _nul_free_cjk_utf16(data)
        if cjk_utf16 is None:
            raise BinaryInputError("binary data, not a text document")
        return _decode_with(data, cjk_utf16, SNIFFED_CONFIDENCE, declared, "sniffed")
    best = _cjk_reading(data, candidates[0]) or _most_plausible(data, candidates)
    return _decode_with(data, widened(data, best.codec), best.confidence, declared, "chardet")


def _escape_encoding(data: bytes) -> str | None:
    """The 7-bit encoding whose escape sequences ``data`` holds and which decodes it.

    These are valid ASCII, so the UTF-8 step would take them as they are, escapes and all.
    HZ's ``~{`` is plain ASCII that prose can hold: it must open a run of Chinese characters.
    """
    if not data.isascii():  # NON_ASCII.search(data), many times faster
        return None
    # Each escape begins with ESC or "~{": without them, no pattern can match.
    if b"\x1b" not in data and b"~{" not in data:
        return None
    for escapes, candidates in ESCAPE_ENCODINGS:
        if escapes.search(data):
            for codec in candidates:
                text = _strict(data, codec)
                if text is not None and _non_ascii_count(text) >= MIN_ESCAPED_CHARACTERS[codec]:
                    return codec
    return None


def _non_ascii_count(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few stray bytes (a cp1252 footer pasted into a UTF-8 page)."""
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - invalid  # non-ASCII, decoded
    return valid >= MIN_VALID_UTF8_RATIO * invalid and valid > 0


def _nul_free_cjk_utf16(data: bytes) -> str | None:
    """BOM-less UTF-16 of CJK text with no ASCII in it, so no NULs (chardet calls it binary).

    Asked only when chardet has no candidate. 7-bit text read as UTF-16 also gives CJK code
    points, so the bytes must have the high half real CJK code units put in their low byte,
    and every character must be CJK.
    """
    if len(data) % 2 or len(NON_ASCII.findall(data[:65536])) < MIN_CJK_UTF16_HIGH_BYTES * min(
        len(data), 65536
    ):
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        text = _strict(data, codec)
        if text is not None and _plausible_text(text) and all(map(_is_cjk, text[:8192])):
            return codec
    return None


def _is_cjk(char: str) -> bool:
    return char in "\n\r\t " or any(start <= char <= end for start, end in CJK_RANGES)


def _plausible_text(text: str | None) -> bool:
    return text is not None and _implausible_share(text) <= MAX_IMPLAUSIBLE_SHARE


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


def _detect(data: bytes) -> list[Candidate]:
    """chardet's ranked candidates over all its encodings, best first; one analysis only."""
    if b"\x1b" in data:  # chardet takes terminal output for binary, by its ESC and BEL
        data = TERMINAL_ESCAPE_BYTES.sub(b"", data)
    results = _chardet(data)
    if not results and _text_like_bytes(data):
        # chardet sniffs file signatures first: text that starts with "BM" is a "bitmap".
        results = _chardet(data[SIGNATURE_BYTES:])
    candidates = []
    for result in results[:MAX_CANDIDATES]:
        codec = _known_codec(result["encoding"] or "")
        if codec:
            confidence = float(result["confidence"] or 0.0)
            candidates.append(Candidate(codec, confidence, result["language"] or ""))
    return candidates


def _chardet(data: bytes) -> list[chardet.DetectionDict]:
    import chardet

    results = chardet.detect_all(data, ignore_threshold=True, compat_names=False)
    return [result for result in results if result["encoding"]]


def _text_like_bytes(data: bytes) -> bool:
    sample = data[:65536]
    return b"\x00" not in sample and len(CONTROL_BYTES.findall(sample)) <= 0.01 * len(sample)


def _believable(data: bytes, declared: str, candidates: list[Candidate]) -> bool:
    return _strict(data, declared) is not None and _declaration_plausible(
        data, declared, candidates
    )


def _declaration_plausible(data: bytes, declared: str, candidates: list[Candidate]) -> bool:
    """A declared charset is a claim: believe it unless chardet, shown the page without the
    declaration, rates it far below its own pick.

    The declaration is rated as the best candidate that reads the bytes as the same text, so
    a truthful ``iso-8859-1`` is not rejected because chardet said ``cp1252``.
    """
    if not candidates:
        return True
    floor = DECLARED_MIN_RELATIVE_CONFIDENCE * candidates[0].confidence
    contenders = [c for c in candidates if c.confidence >= floor]
    if any(c.codec == declared for c in contenders):
        return True
    text = data.decode(declared, errors="replace")
    return any(_same_text(data, c, text) for c in contenders)


def _same_text(data: bytes, candidate: Candidate, text: str) -> bool:
    try:
        return data.decode(candidate.codec, errors="replace") == text
    except LookupError:
        return False


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
    window = text[:65536]
    if "\x1b" in window:
        window = TERMINAL_ESCAPES.sub("", window)
    if window.isascii():  # the controls counted by bytes.translate, without a regex scan
        controls = len(window.encode("ascii").translate(None, NOT_CONTROL_BYTES))
    else:
        controls = len(CONTROL_CHARS.findall(window))
    return controls > MAX_CONTROL_SHARE * min(len(text), 65536)


# Past chardet: among its candidates and the code pages it has no model for, the decoding
# whose non-ASCII characters sit next to their neighbours the way the language's do.


def _most_plausible(data: bytes, candidates: list[Candidate]) -> Candidate:
    """chardet's pick, unless another single-byte code page reads as the language better.

    chardet scores each (language, code page) pair it was trained on, so Polish in
    ISO-8859-13 (no such model) loses to cp1250 read as Polish. Its models, read back as
    character bigrams, score a decoding in any code page. A challenger must read the
    non-ASCII bytes as at least as many letters of the same script, then win a duel on the
    byte pairs where the two decodings differ; ties keep chardet's pick.
    """
    top = candidates[0]
    if top.confidence >= PLAUSIBILITY_BELOW or _single_byte_chars(top.codec) is None:
        return top
    languages = _candidate_languages(candidates)
    pairs = _high_byte_pairs(data)
    if not languages or not pairs:
        return top
    counts = Counter(data[:PLAUSIBILITY_SAMPLE].translate(None, ASCII_BYTES))
    present = bytes(sorted(counts))
    scripts = _scripts(top.codec, present)
    champion = top.codec
    seen = {_readings(champion, present)}
    for codec in _plausibility_pool(candidates):
        reading = _readings(codec, present)
        if reading in seen or not _reads_as_text(reading):
            continue
        if not _scripts(codec, present) <= scripts:
            continue
        seen.add(reading)
        if _letters(codec, counts) >= _letters(champion, counts) and _wins_duel(
            codec, champion, languages, pairs
        ):
            champion = codec
    return top if champion == top.codec else Candidate(champion, top.confidence, top.language)


def _readings(codec: str, present: bytes) -> str:
    return present.decode(codec, errors="replace")


def _reads_as_text(reading: str) -> bool:
    """No undefined byte, no C1 control: no text has them."""
    return bool(reading) and not NOT_TEXT.search(reading)


def _scripts(codec: str, present: bytes) -> set[str]:
    """The scripts of the letters ``codec`` reads the bytes as: LATIN, CYRILLIC, ..."""
    scripts = _byte_scripts(codec)
    return {scripts[b] for b in present} - {""}


def _letters(codec: str, counts: Counter[int]) -> int:
    scripts = _byte_scripts(codec)
    return sum(count for byte, count in counts.items() if scripts[byte])


@functools.cache
def _byte_scripts(codec: str) -> tuple[str, ...]:
    chars = _single_byte_chars(codec) or "\ufffd" * 256
    return tuple(unicodedata.name(c, " ").split(" ")[0] if c.isalpha() else "" for c in chars)


def _wins_duel(
    challenger: str, champion: str, languages: tuple[str, ...], pairs: Counter[tuple[int, int]]
) -> bool:
    """Does ``challenger`` read the pairs where the two differ as the language, clearly better?"""
    new, old = _single_byte_chars(challenger), _single_byte_chars(champion)
    assert new is not None and old is not None
    if not _reads_as_text(_readings(champion, bytes(b for pair in pairs for b in pair))):
        return True  # the champion reads undefined bytes or C1 controls
    differing = {
        pair: count
        for pair, count in pairs.items()
        if (new[pair[0]], new[pair[1]]) != (old[pair[0]], old[pair[1]])
    }
    weight = sum(differing.values())
    return all(
        _pair_score(new, _character_model(language), differing)
        > _pair_score(old, _character_model(language), differing) + DUEL_MARGIN * weight
        for language in languages
    )


def _pair_score(
    chars: str, model: dict[tuple[str, str], int], pairs: dict[tuple[int, int], int]
) -> float:
    score = 0.0
    for (a, b), count in pairs.items():
        first, second = chars[a], chars[b]
        odd = first in ODD_SYMBOLS or second in ODD_SYMBOLS
        score += count * (model.get((first, second), 0) - (ODD_SYMBOL_PENALTY if odd else 0))
    return score


def _candidate_languages(candidates: list[Candidate]) -> tuple[str, ...]:
    """The languages chardet names for its top candidates (near-ties included)."""
    seen: list[str] = []
    for candidate in candidates:
        if candidate.confidence < LANGUAGE_TIE * candidates[0].confidence:
            break
        if candidate.language not in seen and _character_model(candidate.language):
            seen.append(candidate.language)
    return tuple(seen)


def _plausibility_pool(candidates: list[Candidate]) -> list[str]:
    pool = [c.codec for c in candidates if _single_byte_chars(c.codec) is not None]
    pool += [codec for codec in _single_byte_codecs() if codec not in pool]
    return pool


def _high_byte_pairs(data: bytes) -> Counter[tuple[int, int]]:
    """How often each pair of adjacent bytes with a byte >= 0x80 in it occurs."""
    sample = data[:PLAUSIBILITY_SAMPLE]
    pairs = Counter(itertools.pairwise(sample))  # counted in C; few distinct pairs
    return Counter({pair: n for pair, n in pairs.items() if pair[0] >= 0x80 or pair[1] >= 0x80})


@functools.cache
def _single_byte_chars(codec: str) -> str | None:
    """The 256 characters of a single-byte code page; None for other codecs.

    Single-byte: each byte decodes on its own to what it decodes to in a run of bytes (in a
    multi-byte codec, lead and trail bytes combine).
    """
    try:
        run = bytes(range(256)).decode(codec, errors="replace")
    except LookupError:
        return None
    chars = [bytes([byte]).decode(codec, errors="replace") for byte in range(256)]
    defined = sum(c != "\ufffd" for c in chars[128:])
    if "".join(chars) != run or defined < MIN_SINGLE_BYTE_DEFINED:
        return None
    return "".join(chars)


@functools.cache
def _single_byte_codecs() -> tuple[str, ...]:
    from chardet.models import load_models

    codecs_seen: list[str] = []
    for key in load_models():
        codec = _known_codec(key.split("/", 1)[1])
        if codec and codec not in codecs_seen and _single_byte_chars(codec) is not None:
            codecs_seen.append(codec)
    return tuple(codecs_seen)


@functools.cache
def _character_model(language: str) -> dict[tuple[str, str], int]:
    """chardet's byte-bigram models of ``language`` read back as character bigrams.

    Only the pairs with a non-ASCII character: the others read the same in every code page.
    Built on first use, one language at a time (about 10 ms each).
    """
    from chardet.models import load_models

    model: dict[tuple[str, str], int] = {}
    for key, table in load_models().items():
        model_language, codec = key.split("/", 1)
        chars = _single_byte_chars(_known_codec(codec) or codec)
        if model_language != language or chars is None:
            continue
        for match in NONZERO_BYTE.finditer(table):
            index = match.start()
            pair = (chars[index >> 8], chars[index & 0xFF])
            if pair[0] > "\x7f" or pair[1] > "\x7f":
                model[pair] = max(model.get(pair, 0), table[index])
    return model


def _cjk_reading(data: bytes, top: Candidate) -> Candidate | None:
    """A CJK codec that reads the bytes as common characters, when chardet only has a weak
    single-byte guess (it reads short or repetitive Big5 as EBCDIC, Shift_JIS as cp866).

    Common: the characters chardet's own CJK models have seen. Bytes of another script read
    as CJK give rare characters, or fail to decode at all.
    """
    if top.confidence >= PLAUSIBILITY_BELOW or _single_byte_chars(top.codec) is None:
        return None
    best: tuple[float, str] | None = None
    for codec, language in CJK_CODECS:
        text = _strict(data, codec)
        if text is None:
            continue
        text = text[:PLAUSIBILITY_SAMPLE]
        wide = [c for c in text if c > "\u2e7f"]
        if len(wide) < MIN_CJK_CHARACTERS or len(wide) < _non_ascii_count(text):
            continue  # too little to judge, or non-CJK letters in between
        known = _common_cjk(language)
        share = sum(c in known for c in wide) / len(wide)
        if share >= MIN_COMMON_CJK_SHARE and (best is None or share > best[0]):
            best = (share, codec)
    return Candidate(best[1], top.confidence, "") if best else None


@functools.cache
def _common_cjk(language: str) -> frozenset[str]:
    """The characters of ``language`` that chardet's byte-bigram models hold, as pairs."""
    from chardet.models import load_models

    known: set[str] = set()
    for key, table in load_models().items():
        model_language, codec = key.split("/", 1)
        if model_language != language or _single_byte_chars(codec) is not None:
            continue
        for match in NONZERO_BYTE.finditer(table):
            index = match.start()
            char = _strict(bytes([index >> 8, index & 0xFF]), codec)
            if char and len(char) == 1 and char > "\u2e7f":
                known.add(char)
    return frozenset(known)
