"""Unicode repair and normalization of decoded text: small pure ``str -> str`` steps."""

from __future__ import annotations

import codecs
import functools
import html
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..encoding import TERMINAL_OSC

# ftfy is imported when a text needs its repairs (ASCII text without ESC never does): its
# import was a fifth of a plain-text run's start-up.
if TYPE_CHECKING:
    from ftfy import TextFixerConfig


@functools.cache
def mojibake_only() -> TextFixerConfig:
    """Only ftfy's encoding repairs: its other fixes (curly quotes, full-width forms,
    ligatures) would rewrite text that is already correct, such as Chinese full-width
    punctuation."""
    from ftfy import TextFixerConfig

    return TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=True,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=True,
    )


def _ftfy_codec(name: str) -> codecs.CodecInfo | None:
    """ftfy's codecs (``sloppy-windows-1252``, ``utf-8-variants``...), which its import
    registers and a page may declare: found, with ftfy imported, on the first lookup of a
    name Python does not know, so that a page decodes as when ftfy was imported up front,
    whichever text came first."""
    from ftfy.bad_codecs import search_function

    codec: codecs.CodecInfo | None = search_function(name)
    return codec


codecs.register(_ftfy_codec)

# ftfy's name for the removal of terminal escapes, which repairs name for OSC sequences too.
TERMINAL_ESCAPES_STEP = "remove_terminal_escapes"
LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
# No-break, typographic and ideographic spaces: they only look like a space.
ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters with no meaning in running text. ZWJ/ZWNJ (emoji sequences, Persian,
# Indic scripts) and the bidi marks are kept: removing them changes how text reads.
INVISIBLES = re.compile(r"[\u200b\u2060\ufeff\u00ad\u180e]")
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
EDGE_SPACE = re.compile(r"^[ \t]+|[ \t]+$", re.M)
INNER_SPACE_RUNS = re.compile(r"(?<=\S) {2,}(?=\S)")
BLANK_LINE_RUNS = re.compile(r"\n{3,}")
# Every byte but the ASCII ones of CONTROLS: deleted, they leave an ASCII text's controls.
NOT_CONTROL_BYTES = bytes(b for b in range(256) if not CONTROLS.match(chr(b)))
ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
# A fixed point is reached in one or two rounds on real text; the bound only guards loops.
MAX_ROUNDS = 5


def repair_mojibake(text: str) -> tuple[str, list[str]]:
    """Undo text decoded with the wrong codec; returns the text and the repairs applied.

    >>> repair_mojibake("cafÃ© â€œnaÃ¯veâ€\\x9d")
    ('café “naïve”', ['mojibake:sloppy-windows-1252->utf-8'])
    """
    if text.isascii() and "\x1b" not in text:  # ASCII holds no mojibake, but may hold
        return text, []  # terminal colours (ESC [31m), which ftfy removes whole
    import ftfy

    # ftfy removes CSI sequences (colours) only: a window title's OSC sequence would leave
    # its "]0;title" in the text once its ESC and BEL are gone as controls.
    untitled = TERMINAL_OSC.sub("", text) if "\x1b]" in text else text
    fixed, steps = ftfy.fix_and_explain(untitled, mojibake_only())
    if fixed == text:
        return text, []
    if fixed == untitled:  # ftfy changed nothing else
        return fixed, [f"mojibake:{TERMINAL_ESCAPES_STEP}"]
    return fixed, [_describe(steps)]


def _describe(steps: Sequence[tuple[str, str]] | None) -> str:
    encodes = [name for kind, name in steps or [] if kind == "encode"]
    decodes = [name for kind, name in steps or [] if kind == "decode"]
    if encodes and decodes:
        return f"mojibake:{encodes[0]}->{decodes[-1]}"
    applied = [name for kind, name in steps or [] if kind == "apply"]
    return "mojibake:" + (applied[0] if applied else "fixed")


def unescape_entities(text: str) -> str:
    """Decode HTML entities, double-escaped ones too, so that a second pass finds none.

    >>> unescape_entities("AT&amp;amp;T &lt;b&gt; caf&eacute;")
    'AT&T <b> café'
    """
    while "&" in text and ENTITY.search(text):  # the substring test: many times cheaper
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    return text


def normalize_whitespace(text: str) -> str:
    """Line breaks to ``\\n``, odd spaces to one space, invisibles and controls out, lines
    stripped, blank runs collapsed to one blank line.

    >>> normalize_whitespace("a\\u00a0\\u00a0b\\u200b\\r\\n\\r\\n\\r\\n\\tc  \\x07")
    'a b\\n\\nc'
    """
    # Each pattern runs only when the text holds what it needs to match (a substring test is
    # many times cheaper than a regex scan of a page): the same result, a fraction of the time.
    ascii_only = text.isascii()  # no odd spaces, invisibles, U+2028/2029 or NEL to look for
    if not ascii_only or "\r" in text or "\x0b" in text or "\x0c" in text:
        text = LINE_BREAKS.sub("\n", text)
    if not ascii_only:
        text = ODD_SPACES.sub(" ", text)
        text = INVISIBLES.sub("", text)
    if not ascii_only or _has_ascii_controls(text):
        text = CONTROLS.sub("", text)
    if _may_have_edge_space(text):
        text = EDGE_SPACE.sub("", text)
    if "  " in text:
        text = INNER_SPACE_RUNS.sub(" ", text)
    if "\n\n\n" in text:
        text = BLANK_LINE_RUNS.sub("\n\n", text)
    return text.strip("\n ")


def _has_ascii_controls(text: str) -> bool:
    """Whether ASCII ``text`` holds a character of ``CONTROLS`` (found by bytes.translate,
    several times faster than the regex's scan)."""
    return bool(text.encode("ascii").translate(None, NOT_CONTROL_BYTES))


def _may_have_edge_space(text: str) -> bool:
    """A space or tab at the start or end of a line: what ``EDGE_SPACE`` removes."""
    return (
        "\t" in text or " \n" in text or "\n " in text or text.startswith(" ") or text.endswith(" ")
    )


def normalize_text(
    text: str, *, repair: bool = True, entities: bool = True
) -> tuple[str, list[str]]:
    """Repair, NFC-normalize and tidy ``text``; idempotent: ``normalize_text`` of the result
    returns it unchanged. Returns the text and the repairs applied."""
    repairs: list[str] = []
    for _ in range(MAX_ROUNDS):
        before = text
        if repair:
            text, steps = repair_mojibake(text)
            repairs.extend(s for s in steps if s not in repairs)
        if entities:
            text = unescape_entities(text)
        text = unicodedata.normalize("NFC", text)
        text = normalize_whitespace(text)
        if text == before:
            break
    return text, repairs
