"""Fast paths of plain-text clean (#13, text speed): each gives exactly what the slower form it
skips gives, on generated text and on real text (the samples, the encodings corpus)."""

from __future__ import annotations

import gzip
import html
import io
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import clean, digest, encoding, parallel
from ingest.clean import boilerplate, metadata, normalize
from ingest.errors import InputError
from ingest.io import inputs

from .conftest import ROOT, SAMPLES, invoke
from .test_text_shortcuts import lines, pages, plain_is_breadcrumb

DATA = Path(__file__).parent / "data"
ENCODED_FILES = sorted((DATA / "encodings").glob("*.txt"))
MULTILINGUAL: dict[str, str] = json.loads((DATA / "multilingual.json").read_text())


def real_texts() -> list[str]:
    """The samples' texts and the multilingual texts: real pages, in many scripts."""
    found = [
        p.read_text(encoding="utf-8", errors="replace") for p in sorted(SAMPLES.rglob("*.txt"))
    ]
    return found + list(MULTILINGUAL.values())


def real_lines() -> list[str]:
    return sorted({line.strip() for text in real_texts() for line in text.splitlines()})


# -- head metadata: the regexes skipped where they cannot match --------------------------------


def plain_parse_meta_line(line: str) -> metadata.LineMetadata | None:
    """parse_meta_line as it was: every regex on every short line."""
    if not line or len(line.split()) > metadata.MAX_META_LINE_WORDS:
        return None
    date = metadata.parse_date(line)
    rest = line
    for pattern in metadata.DATE_PATTERNS:
        rest = pattern.sub(" ", rest)
    rest = metadata.TIME.sub(" ", rest)
    author = publisher = ""
    byline = metadata.BYLINE.search(rest)
    if byline and metadata.looks_like_names(byline.group("who")):
        author, publisher = metadata.parse_byline(byline.group("who"))
        rest = rest[: byline.start()] + " " + rest[byline.end() :]
    source = metadata.SOURCE.search(rest)
    if source:
        publisher = publisher or source.group("who").strip()
        rest = rest[: source.start()] + " " + rest[source.end() :]
    if not (date or author or publisher) or metadata.META_FILLER.sub(" ", rest).split():
        return None
    return metadata.LineMetadata(date, author, publisher)


# Words of dates, times, bylines and sources in several cases, non-ASCII digits (Arabic-Indic,
# full-width), and letters IGNORECASE folds to ASCII (long s, Kelvin sign, dotted/dotless i).
META_PIECES = [
    "By",
    "by",
    "BY",
    "bY",
    "Written by",
    "reported  by",
    "Author",
    "REPORTER",
    "Source",
    "ſource",
    "From",
    "from",
    "İ",
    "ı",
    "\u212a",
    ":",
    "：",
    "|",
    ",",
    " ",
    "  ",
    "March",
    "mar.",
    "Sept",
    "15",
    "2023",
    "1999",
    "10:30",
    "AM",
    "UTC",
    "-",
    "/",
    ".",
    "年",
    "月",
    "日",
    "٢٠٢٣",
    "２０２３",
    "Liu Lingling",
    "People's Daily",
    "chinadaily.com.cn",
    "Xinhua",
    "Updated",
    "the talks ended",
    "nearby",
    "word",
]
meta_lines = st.lists(st.sampled_from(META_PIECES), max_size=12).map("".join)


@settings(max_examples=4000, deadline=None)
@given(st.one_of(meta_lines, lines))
def test_meta_lines_are_read_as_by_every_regex(line: str) -> None:
    assert metadata.parse_meta_line(line) == plain_parse_meta_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "From: Xinhua",
        "Source: People's Daily",
        "By Liu Lingling",
        "Reporter: Chen Xu",
        "Author：Gary Wong Chi-him",
        "Written by Zhang Penghui",
        "Updated 10:30 AM, March 15, 2023",
        "2021年9月19日",
        "Source: Xinhua | 2023-03-15",
    ],
)
def test_metadata_lines_are_still_read(line: str) -> None:
    assert metadata.parse_meta_line(line) == plain_parse_meta_line(line)
    assert metadata.parse_meta_line(line) is not None


def test_real_lines_are_read_as_by_every_regex() -> None:
    found = 0
    for line in real_lines():
        assert metadata.parse_meta_line(line) == plain_parse_meta_line(line), line
        found += metadata.parse_meta_line(line) is not None
    assert found  # the samples' date and byline lines are still found


@settings(max_examples=2000, deadline=None)
@given(
    st.text(st.sampled_from(["a", "b", " ", "\t", "\n", "\xa0", "\u3000", "\x1c"])),
    st.integers(0, 20),
)
def test_words_are_counted_as_by_a_full_split(text: str, limit: int) -> None:
    assert metadata._more_words_than(text, limit) == (len(text.split()) > limit)


# -- line rules: ASCII lines tested for the words the regexes need -------------------------


def plain_boilerplate_rule(line: str) -> str:
    """boilerplate_rule as it was: every word counted, every regex asked."""
    b = boilerplate
    stripped = line.strip()
    if not stripped:
        return ""
    words = len(stripped.split())
    rules = (
        ("breadcrumb", lambda: plain_is_breadcrumb(stripped)),
        ("share-bar", lambda: plain_is_share_bar(stripped)),
        ("more-link", lambda: b.is_marker_only(stripped)),
        ("copyright", lambda: words <= 30 and bool(b.COPYRIGHT.search(stripped))),
        ("cookie-notice", lambda: words <= 40 and bool(b.COOKIE.search(stripped))),
        ("widget", lambda: bool(b.WIDGET.match(stripped))),
        ("editor-line", lambda: words <= 8 and bool(b.EDITOR_LINE.match(stripped))),
    )
    return next((name for name, rule in rules if rule()), "")


def plain_is_share_bar(line: str) -> bool:
    words = boilerplate.WORD.findall(line.lower())
    return bool(words) and all(w in boilerplate.SHARE_WORDS for w in words)


# The words of every rule's regex in several cases, what sits around them, and letters that
# IGNORECASE folds to ASCII ones (long s, Kelvin sign, dotted and dotless i).
RULE_PIECES = [
    "Related",
    "related news",
    "TAGS",
    "Keywords",
    "Editor's picks",
    "editor",
    "Responsible editor",
    "(Editor",
    "责任编辑",
    "Recommended",
    "Most read",
    "most popular",
    "Latest News",
    "Trending",
    "Advertisement",
    "sponsored",
    "Skip to main content",
    "Back to top",
    "Top of page",
    "Cambridge Dictionary",
    "dictionary",
    "Follow us on Twitter",
    "Sign up for our emails",
    "Newsletter",
    "Copyright",
    "copyright 2023",
    "(c) 2023",
    "(C)",
    "©",
    "All Rights Reserved",
    "版权所有",
    "Cookies",
    "cookie",
    "we use",
    "accept",
    "settings",
    "Share",
    "Tweet",
    "Home",
    ">",
    ">>",
    "»",
    "|",
    "→",
    "[more]",
    "Read more",
    "ſ",
    "\u212a",
    "İ",
    "ı",
    ":",
    "：",
    " ",
    "  ",
    "\t",
    ".",
    "word",
    "a few more words of a paragraph",
]
rule_lines = st.lists(st.sampled_from(RULE_PIECES), max_size=14).map("".join)
long_rule_lines = st.lists(st.sampled_from(RULE_PIECES), min_size=20, max_size=60).map(" ".join)


@settings(max_examples=5000, deadline=None)
@given(st.one_of(rule_lines, long_rule_lines, lines))
def test_line_rules_name_what_every_regex_names(line: str) -> None:
    assert boilerplate.boilerplate_rule(line) == plain_boilerplate_rule(line)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Copyright 2023 Example News", "copyright"),
        ("Example News. All rights reserved.", "copyright"),
        ("(c) 2023 Example", "copyright"),
        ("We use cookies. By using this site you accept our cookie policy.", "cookie-notice"),
        ("Related stories:", "widget"),
        ("Cambridge Dictionary", "widget"),
        ("Oxford Advanced Learners Dictionary", "widget"),
        ("Home | World | Asia", "breadcrumb"),
        ("Follow us on Twitter and Facebook", "widget"),
        ("Most popular", "widget"),
        ("Editor: Chen Xu", "editor-line"),
        ("Share this on Facebook", "share-bar"),
        ("Home > News > World", "breadcrumb"),
    ],
)
def test_each_rule_still_finds_its_lines(line: str, rule: str) -> None:
    assert boilerplate.boilerplate_rule(line) == plain_boilerplate_rule(line) == rule


def test_real_lines_are_named_as_by_every_regex() -> None:
    named = 0
    for line in real_lines():
        assert boilerplate.boilerplate_rule(line) == plain_boilerplate_rule(line), line
        named += bool(boilerplate.boilerplate_rule(line))
    assert named


# -- digests: blocks and marked teasers -------------------------------------------------------


def plain_split_blocks(text: str) -> list[digest.Block]:
    """split_blocks as it was: the text sliced at each separator found by a search."""
    separator = digest.BLANK_LINES if digest.BLANK_LINES.search(text) else re.compile(r"\n")
    blocks, position = [], 0
    for match in [*separator.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[position:end]
        stripped = chunk.strip()
        if stripped:
            offset = position + chunk.index(stripped)
            blocks.append(digest.Block(stripped, offset, offset + len(stripped)))
        position = match.end() if match else len(text)
    return blocks


def plain_marked(blocks: list[digest.Block]) -> list[int]:
    marked = [i for i, b in enumerate(blocks) if i > 0 and digest.LINK_MARKER.search(b.text)]
    if len(marked) < 2:
        marked = [i for i, b in enumerate(blocks) if i > 0 and digest.find_marker(b.text)]
    return marked


def plain_items_with_markers(blocks: list[digest.Block]) -> list[digest.Item]:
    items: list[digest.Item] = []
    previous_end = -1
    for index in plain_marked(blocks):
        title_index = digest._title_before(blocks, index) if not items else previous_end + 1
        if title_index is None or title_index >= index:
            continue
        title = blocks[title_index]
        if not digest.is_title_like(title.text):
            continue
        marker = digest.find_marker(blocks[index].text)
        start = blocks[title_index + 1].start
        items.append(digest.Item(title.text, title.start, start, blocks[index].end, marker))
        previous_end = index
    return items


BLOCK_PIECES = ["\n", "\n\n", "\n \n", "\n\t\n", " ", "\t", "\r", "\xa0", "\u3000", "\x85"]
BLOCK_PIECES += ["Title", "Harbour news", "A teaser sentence of the story, long enough.", "[more]"]
BLOCK_PIECES += ["Read more >>", "..."]
BLOCK_PIECES += ["…", "Full story", "word"]
block_texts = st.lists(st.sampled_from(BLOCK_PIECES), max_size=20).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(block_texts, pages))
def test_blocks_and_marked_teasers_are_found_as_before(text: str) -> None:
    blocks = digest.split_blocks(text)
    assert blocks == plain_split_blocks(text)
    assert all(text[b.start : b.end] == b.text for b in blocks)
    assert digest._items_with_markers(blocks) == plain_items_with_markers(blocks)


def plain_strip_markers(body: str) -> tuple[str, list[dict[str, str]]]:
    result = boilerplate.Cleaned("")

    def strip(match: re.Match[str]) -> str:
        result.remove("more-link", match.group(0).strip())
        return ""

    lines = body.split("\n")
    return "\n".join(digest.LINK_MARKER.sub(strip, line) for line in lines), result.removed


@settings(max_examples=3000, deadline=None)
@given(st.one_of(block_texts, pages, st.text(max_size=30)))
def test_markers_are_stripped_as_line_by_line(text: str) -> None:
    result = boilerplate.Cleaned("")
    assert (boilerplate._strip_markers(text, result), result.removed) == plain_strip_markers(text)
    assert digest.strip_markers(text) == plain_strip_markers(text)[0]
    lines = text.split("\n")
    expected = any(digest.LINK_MARKER._may_match(line) for line in lines)
    assert digest.LINK_MARKER.may_match_any(lines) == expected


def plain_find_items(text: str, min_items: int = 2) -> list[digest.Item]:
    """find_items as it was: the blocks made for every text."""
    blocks = plain_split_blocks(text)
    items = plain_items_with_markers(blocks)
    if len(items) < min_items:
        items = digest._items_by_alternation(blocks)
        if len(items) < max(min_items, digest.MIN_ITEMS_WITHOUT_MARKERS):
            return []
    return items if digest._is_mostly_items(items, text) else []


STORY_TITLES = ["Harbour reopens", "Talks end in Geneva", "Rates held", "The U.S.", "Home"]
STORY_TEASERS = [
    "The harbour reopened on Monday after the storm, officials said.",
    "Delegates met for three days and agreed on a text. [more..]",
    "The bank kept its rates where they were for a third month... ",
    "Markets rose in early trading as investors weighed the news. Read more >>",
    "Short teaser.",
]
stories = st.lists(
    st.tuples(st.sampled_from(STORY_TITLES), st.sampled_from(STORY_TEASERS)), max_size=6
)
digests = st.tuples(
    st.sampled_from(["", "Intro line.\n\n", "Home > News\n"]),
    stories,
    st.sampled_from(["\n\n", "\n", "\n \t\n", "\r\n\r\n"]),
).map(lambda d: d[0] + d[2].join(f"{title}{d[2]}{teaser}" for title, teaser in d[1]))


@settings(max_examples=4000, deadline=None)
@given(st.one_of(digests, block_texts, pages), st.integers(0, 4))
def test_digests_are_found_as_when_every_page_was_split(text: str, min_items: int) -> None:
    assert digest.find_items(text, min_items) == plain_find_items(text, min_items)
    assert digest._last_blocks(text, 2) == [b.text for b in plain_split_blocks(text)[-2:]]


def test_real_digests_are_found_as_before() -> None:
    found = 0
    for text in real_texts():
        assert digest.split_blocks(text) == plain_split_blocks(text)
        assert digest.find_items(text) == plain_find_items(text)
        found += bool(digest.find_items(text))
    assert found  # the samples hold digests


# -- whitespace and entities ------------------------------------------------------------------


ascii_texts = st.text(st.characters(max_codepoint=127), max_size=60)


@settings(max_examples=3000, deadline=None)
@given(ascii_texts)
def test_ascii_controls_are_found_as_by_the_regex(text: str) -> None:
    assert normalize._has_ascii_controls(text) == bool(normalize.CONTROLS.search(text))


@settings(max_examples=3000, deadline=None)
@given(st.one_of(lines, ascii_texts, st.text(max_size=40)))
def test_normalized_whitespace_is_a_fixed_point(text: str) -> None:
    # What lets a boilerplate round that changed nothing end without normalizing again.
    once = normalize.normalize_whitespace(text)
    assert normalize.normalize_whitespace(once) == once


def test_real_texts_normalize_to_a_fixed_point() -> None:
    for text in real_texts():
        once = normalize.normalize_whitespace(text)
        assert normalize.normalize_whitespace(once) == once


def plain_strip_boilerplate(text: str, title: str) -> tuple[str, list[dict[str, str]]]:
    """clean._strip_boilerplate as it was: every round's text normalized again."""
    removed: list[dict[str, str]] = []
    verdicts = boilerplate.PageVerdicts()
    for _ in range(clean.MAX_ROUNDS):
        cleaned = boilerplate.clean_text_page(text, find_title=not title, verdicts=verdicts)
        title = title or cleaned.title
        removed.extend(cleaned.removed)
        new_text = normalize.normalize_whitespace(cleaned.text)
        if new_text == text:
            break
        text = new_text
    return text, removed


@settings(max_examples=1500, deadline=None)
@given(pages)
def test_boilerplate_rounds_end_as_when_each_text_was_normalized_again(page: str) -> None:
    text = normalize.normalize_text(page)[0]
    for title in ("", "A title"):
        removed: list[dict[str, str]] = []
        ours = clean._strip_boilerplate(
            text, {**dict.fromkeys(clean.PAGE_KEYS, ""), "title": title}, removed
        )[0]
        assert (ours, removed) == plain_strip_boilerplate(text, title)


def test_real_pages_lose_the_same_boilerplate_in_the_same_rounds() -> None:
    for page in real_texts():
        text = normalize.normalize_text(page)[0]
        removed: list[dict[str, str]] = []
        ours = clean._strip_boilerplate(text, dict.fromkeys(clean.PAGE_KEYS, ""), removed)[0]
        assert (ours, removed) == plain_strip_boilerplate(text, "")


def plain_unescape_entities(text: str) -> str:
    while normalize.ENTITY.search(text):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    return text


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(["&", "amp;", "&amp;", "lt;", "#233;", "&#x", "e9;", "a", " "])).map(
        "".join
    )
)
def test_entities_are_unescaped_as_without_the_substring_test(text: str) -> None:
    assert normalize.unescape_entities(text) == plain_unescape_entities(text)


# -- decoding ---------------------------------------------------------------------------------


def plain_looks_binary(text: str) -> bool:
    if not text:
        return False
    window = encoding.TERMINAL_ESCAPES.sub("", text[:65536])  # terminal output is text
    controls = len(encoding.CONTROL_CHARS.findall(window))
    return controls > encoding.MAX_CONTROL_SHARE * min(len(text), 65536)


def plain_escape_encoding(data: bytes) -> str | None:
    if not data.isascii():
        return None
    for escapes, candidates in encoding.ESCAPE_ENCODINGS:
        if escapes.search(data):
            for codec in candidates:
                text = encoding._strict(data, codec)
                if (
                    text is not None
                    and encoding._non_ascii_count(text) >= encoding.MIN_ESCAPED_CHARACTERS[codec]
                ):
                    return codec
    return None


# Bytes of escapes (ISO-2022, HZ), markup of declarations, controls and text.
BYTE_PIECES = [
    b"\x1b]0;title\x07",
    b"\x1b]8;;",
    b"\x1b\\",
    b"\x1b[31m",
    b"\x1b[",
    b"\x1b$)C",
    b"\x1b$B",
    b"\x1b(B",
    b"\x1b(J",
    b"\x0e",
    b"\x0f",
    b"~{",
    b"~}",
    b"<:",
    b"0B",
    b"<meta charset=",
    b"<META http-equiv content='text/html; CHARSET=",
    b"<?xml version='1.0' encoding=",
    b"utf-8",
    b"koi8-r",
    b'"',
    b">",
    b"<",
    b"\x00",
    b"\x07",
    b"\x0b",
    b"\x7f",
    b"\t",
    b"\n",
    b"text ",
    b"\xc3\xa9",
    b"\xe9",
    b"\x85",
]
byte_strings = st.lists(st.sampled_from(BYTE_PIECES), max_size=16).map(b"".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(byte_strings, st.binary(max_size=40)))
def test_decoding_shortcuts_find_what_the_regexes_find(data: bytes) -> None:
    text = data.decode("latin-1")
    assert encoding._looks_binary(text) == plain_looks_binary(text)
    head = data[: encoding.DECLARATION_WINDOW]
    ours, theirs = encoding._declaration(data), encoding.DECLARED_CHARSET.search(head)
    assert (ours and ours.groups()) == (theirs and theirs.groups())
    assert encoding._escape_encoding(data) == plain_escape_encoding(data)


@pytest.mark.parametrize("path", ENCODED_FILES, ids=lambda p: p.name)
def test_real_files_take_the_shortcuts_as_the_regexes(path: Path) -> None:
    data = path.read_bytes()
    assert encoding._escape_encoding(data) == plain_escape_encoding(data)
    ours, theirs = encoding._declaration(data), encoding.DECLARED_CHARSET.search(data[:4096])
    assert (ours and ours.groups()) == (theirs and theirs.groups())
    for codec in ("latin-1", "utf-8"):
        text = data.decode(codec, errors="replace")
        assert encoding._looks_binary(text) == plain_looks_binary(text)


@pytest.mark.parametrize("codec", ["hz", "iso2022-jp", "iso2022-kr"])
def test_escaped_encodings_are_still_found(codec: str) -> None:
    language = {"hz": "zh", "iso2022-jp": "ja", "iso2022-kr": "ko"}[codec]
    text = MULTILINGUAL.get(language) or MULTILINGUAL["zh"]
    data = text.encode(codec, errors="ignore")
    assert encoding._escape_encoding(data) == plain_escape_encoding(data) == codec


def test_only_the_first_window_of_a_long_ascii_text_is_counted() -> None:
    for text in ("a" * 65536 + "\x07" * 70000, "\x07" * 4000 + "a" * 70000):
        assert encoding._looks_binary(text) == plain_looks_binary(text)
    assert encoding._looks_binary("\x07" * 4000 + "a" * 70000)


# -- reading a document in growing pieces ------------------------------------------------------


def streams(data: bytes) -> list[io.BufferedIOBase]:
    """The kinds of stream a document is read from: a file, a decompressed file, a pipe's
    replay of its first bytes."""
    return [
        io.BufferedReader(io.BytesIO(data), buffer_size=8192),
        gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(data)), mode="rb"),
        inputs._sniff(io.BufferedReader(io.BytesIO(data)), 10)[1],
    ]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 3000), st.integers(1, 4000), st.integers(1, 64))
def test_a_document_reads_in_pieces_as_in_one_read(size: int, limit: int, piece: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    original = inputs.READ_PIECE_BYTES
    inputs.READ_PIECE_BYTES = piece  # small pieces: every growth step is taken
    try:
        for ours, theirs in zip(streams(data), streams(data), strict=True):
            assert inputs._read_at_most(ours, limit) == theirs.read(limit)
            assert ours.read() == theirs.read()  # and it leaves the stream where read does
    finally:
        inputs.READ_PIECE_BYTES = original


def test_a_document_past_the_limit_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 1000)  # 5,000 bytes
    monkeypatch.setattr(inputs, "READ_PIECE_BYTES", 64)
    monkeypatch.setattr(inputs, "MAX_DOCUMENT_BYTES", 4999)
    errors: list[InputError] = []
    assert list(inputs.read_records([str(path)], on_error=errors.append)) == []
    assert "larger than" in errors[0].message
    monkeypatch.setattr(inputs, "MAX_DOCUMENT_BYTES", 5000)
    (record,) = inputs.read_records([str(path)])
    assert record.text == "word " * 1000


# -- what crosses between the processes of -j N --------------------------------------------


def test_work_items_and_results_pickle_as_their_fields(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A short story.", encoding="utf-8")
    (item,) = inputs.read_deferred([str(tmp_path)])
    assert isinstance(item, inputs.RawDocument)
    result = clean._clean_and_encode(item, clean.CleanConfig())
    failed = inputs.WorkResult([], [("where", "what")], inputs.InputReport(0, 1, 2, 3))
    for value in (item, result, failed, result.records[0], item.item):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(value, protocol))
            assert back == value and type(back) is type(value)
    assert pickle.loads(pickle.dumps(result)).records[0].line == result.records[0].line


# -- start-up ---------------------------------------------------------------------------------


def modules_loaded_by_clean(path: Path, out: Path) -> list[str]:
    """Which of numpy and chardet ``ingest clean PATH`` imports (``-X importtime`` lists every
    module a process imports, on stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-X", "importtime", "-m", "ingest", "clean", "-q", "-j", "1"]
    result = subprocess.run(
        [*command, str(path), "-o", str(out)], capture_output=True, env=env, check=True
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.decode().splitlines()}
    return [name for name in ("numpy", "chardet", "ftfy") if name in imported]


def test_cleaning_utf8_text_imports_neither_numpy_nor_chardet(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Un été à Paris.\n\nThe harbour reopened.", encoding="utf-8")
    assert modules_loaded_by_clean(tmp_path / "a.txt", tmp_path / "a.jsonl") == ["ftfy"]
    (tmp_path / "b.txt").write_text("The harbour reopened.", encoding="ascii")
    assert modules_loaded_by_clean(tmp_path / "b.txt", tmp_path / "b.jsonl") == []
    # chardet comes when a document needs it, and decodes as it did when imported up front.
    legacy = tmp_path / "b.txt"
    legacy.write_bytes((DATA / "encodings" / "fr-iso8859-15.txt").read_bytes())
    assert modules_loaded_by_clean(legacy, tmp_path / "c.jsonl") == ["chardet", "ftfy"]
    record = json.loads((tmp_path / "c.jsonl").read_text(encoding="utf-8"))
    assert (record["metadata"]["decode_method"], record["metadata"]["encoding"]) == (
        "chardet",
        "iso8859-15",
    )


# -- parallel_map's chunks grow while they are quick ----------------------------------------


def test_chunks_double_while_quick_up_to_the_largest() -> None:
    sizer = parallel._ChunkSizer(16)
    for seconds, size in [(0.001, 32), (0.001, 64), (1.0, 64), (0.0, 128), (0.0, 256), (0.0, 256)]:
        sizer.took(seconds)
        assert sizer.size == size
    asked = parallel._ChunkSizer(1000)  # a caller's larger size is kept, not cut
    asked.took(0.0)
    assert asked.size == 1000
    chunks = parallel._sized_chunks(range(10), parallel._ChunkSizer(3))
    assert next(chunks) == [0, 1, 2]


@pytest.mark.parametrize("grow_below", [0.0, 3600.0])
def test_growing_or_fixed_chunks_give_the_same_results(
    grow_below: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "GROW_BELOW_SECONDS", grow_below)  # never, always
    results = list(parallel.parallel_map(_square, range(3000), jobs=2, chunk_size=2))
    assert results == [n * n for n in range(3000)]


def _square(n: int) -> int:
    return n * n


def test_many_quick_files_through_growing_chunks_write_the_same_bytes(tmp_path: Path) -> None:
    # Quick plain-text files in several encodings: chunks grow past their first size.
    texts = list(MULTILINGUAL.values())
    for n in range(600):
        text = f"Story {n}\n\n{texts[n % len(texts)]}"
        codec = ("utf-8", "utf-16", "utf-8-sig", "cp1252")[n % 4]
        (tmp_path / f"{n:04d}.txt").write_bytes(text.encode(codec, errors="replace"))
    one = invoke(["clean", "-q", "-j", "1", str(tmp_path)]).stdout_bytes
    two = invoke(["clean", "-q", "-j", "2", str(tmp_path)]).stdout_bytes
    assert one == two and one.count(b"\n") == 600


def test_ftfys_codecs_decode_as_when_ftfy_was_imported_first() -> None:
    # A page may declare one of the codecs ftfy's import registers: it decodes the same
    # whether or not a text needing ftfy came before it.
    page = "<meta charset='sloppy-windows-1252'><p>caf\xe9 \x81</p>".encode("latin-1")
    code = (
        "import sys\n"
        "if sys.argv[1] == 'first': import ftfy\n"
        "import ingest.clean\n"
        "from ingest.encoding import decode_bytes\n"
        f"print(repr(decode_bytes({page!r})), 'ftfy' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, order], capture_output=True, env=env, check=True
        ).stdout
        for order in ("first", "lazily")
    ]
    assert runs[0] == runs[1] and b"sloppy-windows-1252" in runs[0] and b"True" in runs[0]
