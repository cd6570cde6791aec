"""Removing a site's boilerplate from plain-text pages, and moving metadata out of the text.

Each rule is a named predicate over one line, so that ``--explain`` can say which rule took
what. Rules are written for the shapes sites share (breadcrumbs, share bars, "more" links,
copyright and cookie lines, footers of short link lines), not for one site's words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..digest import (
    LINK_MARKER,
    SENTENCE_END,
    Item,
    chunk_texts,
    find_items,
    is_title_like,
    strip_marker,
    strip_markers,
)
from .metadata import LineMetadata, parse_meta_line, split_dateline

BREADCRUMB_SEPARATORS = re.compile(r"\s*(?:>>?|»|›|→|\|)\s*")
BREADCRUMB_MARKS = (">", "»", "›", "→", "|")
MAX_BREADCRUMB_SEGMENT_WORDS = 5
MAX_NAV_CHARS = 160
COPYRIGHT = re.compile(r"^(?:copyright\b|©|\(c\)\s*\d{4})|all rights reserved|版权所有", re.I)
WORD = re.compile(r"[\w-]+")
COOKIE = re.compile(r"\bcookies?\b.*\b(?:accept|consent|agree|policy|use|settings)\b", re.I)
SHARE_WORDS = frozenset(
    [
        "share",
        "shares",
        "sharing",
        "tweet",
        "facebook",
        "twitter",
        "x",
        "whatsapp",
        "email",
        "e-mail",
        "print",
        "linkedin",
        "weibo",
        "wechat",
        "reddit",
        "telegram",
        "pinterest",
        "copy",
        "link",
        "this",
        "article",
        "on",
        "via",
        "comment",
        "comments",
        "save",
        "subscribe",
        "follow",
        "us",
    ]
)
# Labels of widgets and link lists that sites put around a story.
WIDGET = re.compile(
    r"^(?:related(?:\s+(?:news|stories|articles|links|reading|content))?|tags?|keywords?|"
    r"editor(?:'s picks)?|recommended|most (?:read|popular|viewed)|latest news|trending|"
    r"advertisement|sponsored|skip to (?:main )?content|back to top|top of page|"
    r"[\w ]{0,30}dictionary|follow us on [\w ]+|sign up for [\w ]+|newsletter)\s*[:：]?\s*$",
    re.I,
)
EDITOR_LINE = re.compile(r"^(?:\(?\s*editor|responsible editor|编辑|责任编辑)\s*[:：]", re.I)
LINK_LIST_END = re.compile(r"(?:>>|»|›)\s*$")
ORPHAN_PUNCTUATION = re.compile(r"^[\s,;:.)\]}>|\-–—]+(?=\w)")
MAX_FOOTER_LINE_WORDS = 12
HEAD_LINES_FOR_METADATA = 4


@dataclass
class Cleaned:
    """Text after boilerplate removal, what was found, and what was removed (for --explain)."""

    text: str
    title: str = ""
    date: str = ""
    author: str = ""
    publisher: str = ""
    dateline: str = ""
    stories: list[tuple[str, str]] = field(default_factory=list)  # (title, teaser) of a digest
    removed: list[dict[str, str]] = field(default_factory=list)

    def remove(self, rule: str, text: str) -> None:
        self.removed.append({"rule": rule, "text": text})


def is_breadcrumb(line: str) -> bool:
    """``Home > CSHRS > NEWS >``, ``Home | World | Asia``: short segments between arrows."""
    if len(line) > MAX_NAV_CHARS:
        return False
    # Every separator holds one of these marks: with fewer than two, no two separators.
    if not _has_two_marks(line):
        return False
    parts = BREADCRUMB_SEPARATORS.split(line.strip())
    separators = len(BREADCRUMB_SEPARATORS.findall(line))
    segments = [p for p in parts if p]
    return (
        separators >= 2
        and len(segments) >= 2
        and all(len(s.split()) <= MAX_BREADCRUMB_SEGMENT_WORDS for s in segments)
        and not any(SENTENCE_END.search(s) for s in segments)
    )


def _has_two_marks(line: str) -> bool:
    if line.isascii():
        return line.count(">") + line.count("|") >= 2
    return sum(line.count(mark) for mark in BREADCRUMB_MARKS) >= 2


def is_share_bar(line: str) -> bool:
    # Word by word, stopping at the first that is not a share word (prose stops at once).
    # An ASCII line's words are its lowered words: lowering the whole of a paragraph to read
    # its first word cost more than the rest of this rule.
    ascii_line = line.isascii()
    found = False
    for word in WORD.finditer(line if ascii_line else line.lower()):
        if (word[0].lower() if ascii_line else word[0]) not in SHARE_WORDS:
            return False
        found = True
    return found


def is_marker_only(line: str) -> bool:
    return bool(line.strip()) and not strip_marker(line).strip()


# What an ASCII line, lowered, must hold for these regexes to match it (IGNORECASE matches
# an ASCII line's letters only in their ASCII cases): a few substring tests rule out most
# lines far faster than the regexes can. Lines with other characters go to the regexes.
COPYRIGHT_STARTS = ("copyright", "(c)")
COPYRIGHT_ANYWHERE = "all rights reserved"
COOKIE_WORD = "cookie"
WIDGET_STARTS = (
    "related",
    "tag",
    "keyword",
    "editor",
    "recommended",
    "most ",
    "latest news",
    "trending",
    "advertisement",
    "sponsored",
    "skip to ",
    "back to top",
    "top of page",
    "follow us on ",
    "sign up for ",
    "newsletter",
)
# "[\w ]{0,30}dictionary": the word ends within the first 40 characters.
WIDGET_WORD, WIDGET_WORD_WITHIN = "dictionary", 40
# The rules compare a line's words with at most this: counting stops one past it.
MAX_RULE_WORDS = 40


@dataclass(slots=True)
class RuleLine:
    """A stripped, non-empty line as the rules read it; what costs is worked out once, and
    only when a rule asks (a paragraph's words are rarely needed)."""

    text: str
    _lower: str | None = None
    _words: int = -1

    def ascii_lower(self) -> str | None:
        """The line lowered, if it is ASCII (else None: the rule asks its regex)."""
        if self._lower is None and self.text.isascii():
            self._lower = self.text.lower()
        return self._lower

    def words(self) -> int:
        """Its words, counted up to one past ``MAX_RULE_WORDS``."""
        if self._words < 0:
            self._words = len(self.text.split(None, MAX_RULE_WORDS))
        return self._words


def _is_copyright(line: RuleLine) -> bool:
    lower = line.ascii_lower()
    if lower is not None and not (
        lower.startswith(COPYRIGHT_STARTS) or COPYRIGHT_ANYWHERE in lower
    ):
        return False
    # The word count before the regex: it rules out paragraphs faster.
    return line.words() <= 30 and bool(COPYRIGHT.search(line.text))


def _is_cookie_notice(line: RuleLine) -> bool:
    lower = line.ascii_lower()
    if lower is not None and COOKIE_WORD not in lower:
        return False
    return line.words() <= MAX_RULE_WORDS and bool(COOKIE.search(line.text))


def _is_widget(line: RuleLine) -> bool:
    lower = line.ascii_lower()
    if lower is not None and not (
        lower.startswith(WIDGET_STARTS) or WIDGET_WORD in lower[:WIDGET_WORD_WITHIN]
    ):
        return False
    return bool(WIDGET.match(line.text))


LINE_RULES: tuple[tuple[str, Callable[[RuleLine], bool]], ...] = (
    ("breadcrumb", lambda line: is_breadcrumb(line.text)),
    ("share-bar", lambda line: is_share_bar(line.text)),
    ("more-link", lambda line: is_marker_only(line.text)),
    ("copyright", _is_copyright),
    ("cookie-notice", _is_cookie_notice),
    ("widget", _is_widget),
    # The anchored regex first: it fails at the first characters of almost every line.
    ("editor-line", lambda line: bool(EDITOR_LINE.match(line.text)) and line.words() <= 8),
)


def boilerplate_rule(line: str) -> str:
    """The name of the rule that calls ``line`` boilerplate, or ``""``."""
    stripped = line.strip()
    if not stripped:
        return ""
    asked = RuleLine(stripped)
    for name, rule in LINE_RULES:
        if rule(asked):
            return name
    return ""


def is_footer_line(line: str) -> bool:
    """At the end of a page: a short line that ends no sentence, or a ``>>`` link."""
    # A teaser ending in "More>>" is a story, not a footer link: judge it without its marker.
    stripped = strip_marker(line.strip())
    if LINK_LIST_END.search(stripped) or stripped.endswith((":", "：")):
        return True
    return len(stripped.split()) <= MAX_FOOTER_LINE_WORDS and not SENTENCE_END.search(stripped)


@dataclass
class PageVerdicts:
    """What the rules said of one page's lines and texts, kept across its rounds.

    Boilerplate removal runs to a fixed point (``clean._strip_boilerplate``): each round
    judges again the lines the round before kept, and the last round changes nothing. Every
    rule is a pure function of its line (or text), so asking this memo gives what the rule
    gives, once a line. One page's memo: nothing outlives the record.
    """

    rules: dict[str, str] = field(default_factory=dict)
    footers: dict[str, bool] = field(default_factory=dict)
    meta: dict[str, LineMetadata | None] = field(default_factory=dict)
    items: dict[str, list[Item]] = field(default_factory=dict)

    def boilerplate_rule(self, line: str) -> str:
        if line not in self.rules:
            self.rules[line] = boilerplate_rule(line)
        return self.rules[line]

    def is_footer_line(self, line: str) -> bool:
        if line not in self.footers:
            self.footers[line] = is_footer_line(line)
        return self.footers[line]

    def meta_line(self, line: str) -> LineMetadata | None:
        if line not in self.meta:
            self.meta[line] = parse_meta_line(line)
        return self.meta[line]

    def find_items(self, text: str) -> list[Item]:
        if text not in self.items:
            self.items[text] = find_items(text)
        return self.items[text]


def clean_text_page(
    text: str, find_title: bool = True, verdicts: PageVerdicts | None = None
) -> Cleaned:
    """Boilerplate out, metadata found, markers stripped; ``text`` is already normalized.

    ``verdicts`` carries what the rules found on an earlier round over the same page.
    """
    verdicts = verdicts if verdicts is not None else PageVerdicts()
    result = Cleaned(text="")
    lines = text.split("\n")
    lines = _drop_rule_lines(lines, result, verdicts)
    lines = _take_head_metadata(lines, result, find_title, "\n".join(lines), verdicts)
    lines = _trim_footer(lines, result, verdicts)
    body = "\n".join(lines).strip()
    body = _trim_orphan_punctuation(body, result)
    body = _take_dateline(body, result)
    result.stories = [
        (item.title, strip_markers(body[item.teaser_start : item.teaser_end]))
        for item in verdicts.find_items(body)
    ]
    result.text = _strip_markers(body, result)
    return result


def _drop_rule_lines(lines: list[str], result: Cleaned, verdicts: PageVerdicts) -> list[str]:
    kept = []
    for line in lines:
        rule = verdicts.boilerplate_rule(line)
        if rule:
            result.remove(rule, line.strip())
        else:
            kept.append(line)
    return kept


def _take_head_metadata(
    lines: list[str],
    result: Cleaned,
    find_title: bool,
    page: str,
    verdicts: PageVerdicts,
) -> list[str]:
    """Title, date and byline lines among the first lines of the page (``page``: the lines
    joined, where a digest's titles are looked for)."""
    non_empty = (i for i, line in enumerate(lines) if line.strip())
    head = list(itertools.islice(non_empty, HEAD_LINES_FOR_METADATA))
    taken: set[int] = set()
    for position, index in enumerate(head):
        line = lines[index].strip()
        meta = verdicts.meta_line(line)
        if meta is not None:
            result.date = result.date or meta.date
            result.author = result.author or meta.author
            result.publisher = result.publisher or meta.publisher
            result.remove("date-byline", line)
            taken.add(index)
        elif position == 0 and find_title and _is_page_title(lines, index, page, verdicts):
            result.title = line
            result.remove("title", line)
            taken.add(index)
    return [line for i, line in enumerate(lines) if i not in taken]


def _is_page_title(lines: list[str], index: int, page: str, verdicts: PageVerdicts) -> bool:
    """The first line is the page's title when it reads as one, is no digest's story title,
    and a story follows it."""
    line = lines[index].strip()
    if not is_title_like(line):  # before the digest search, which costs more
        return False
    if line in {item.title for item in verdicts.find_items(page)}:
        return False
    rest = "\n".join(lines[index + 1 :])
    return _has_block_of(rest, 2 * len(line.split()))


def _has_block_of(text: str, words: int) -> bool:
    """Whether a block of ``split_blocks(text)`` has ``words`` words or more (``words`` > 0).

    The blocks' words are those of the chunks between their separators (whitespace): so the
    chunks are counted, without making the blocks.
    """
    return any(len(chunk.split()) >= words for chunk in chunk_texts(text))


def _trim_footer(lines: list[str], result: Cleaned, verdicts: PageVerdicts) -> list[str]:
    """Short link lines after the story's last sentence; a page of short lines keeps them."""
    # The last line that is content, looked for from the end: the lines above it stay.
    last = next(
        (
            i
            for i in range(len(lines) - 1, -1, -1)
            if lines[i].strip() and not verdicts.is_footer_line(lines[i])
        ),
        None,
    )
    if last is None:
        return lines
    for line in lines[last + 1 :]:
        if line.strip():
            result.remove("footer", line.strip())
    return lines[: last + 1]


def _trim_orphan_punctuation(body: str, result: Cleaned) -> str:
    """A page cut mid-dateline starts ", Geneva, ...": keep the words, lose the comma."""
    match = ORPHAN_PUNCTUATION.match(body)
    if not match:
        return body
    result.remove("orphan-punctuation", match.group(0).strip())
    return body[match.end() :]


def _take_dateline(body: str, result: Cleaned) -> str:
    dateline, rest = split_dateline(body)
    if not dateline:
        return body
    result.dateline = dateline
    result.remove("dateline", dateline)
    return rest


def _strip_markers(body: str, result: Cleaned) -> str:
    def strip(match: re.Match[str]) -> str:
        result.remove("more-link", match.group(0).strip())
        return ""

    lines = body.split("\n")
    if not LINK_MARKER.may_match_any(lines):  # no line ends in a marker: the body as it is
        return body
    return "\n".join(LINK_MARKER.sub(strip, line) for line in lines)
