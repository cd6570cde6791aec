"""Dates, bylines and datelines found in page text (a page's tree metadata is
``page_metadata.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATE_PATTERNS = (
    # March 15, 2023 / March 15,2023 / Mar. 15 2023
    re.compile(
        _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?P<year>(?:19|20)\d{2})\b", re.I
    ),
    # 15 March 2023
    re.compile(r"\b(?P<day>\d{1,2})\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d{2})\b", re.I),
    # 2023-03-15 / 2023/03/15 / 2023.03.15
    re.compile(r"\b(?P<year>(?:19|20)\d{2})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})\b"),
    # 2023年3月15日
    re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
)
TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]\.?M\.?|UTC|GMT|BJT)?", re.I)
BYLINE = re.compile(
    r"(?:^|(?<=\s)|(?<=\|))(?:written\s+by|reported\s+by|by|author|reporter)\s*[:：]?\s*"
    r"(?P<who>[^|\n]+?)\s*(?=\||$)",
    re.I,
)
SOURCE = re.compile(
    r"(?:^|(?<=\s)|(?<=\|))(?:source|from)\s*[:：]\s*(?P<who>[^|\n]+?)\s*(?=\||$)", re.I
)
# What a date/byline line may hold besides the date and the names.
META_FILLER = re.compile(
    r"\b(?:updated|published|posted|date|time|on)\b\s*[:：]?|[|/·•,;:：\-–—()\[\]]", re.I
)
OUTLET = re.compile(
    r"(?:\b(?:daily|news|times|post|agency|press|herald|journal|gazette|tribune|network|"
    r"xinhua|reuters|afp|ap|bbc|cnn|cgtn|tv|radio|online|media|magazine)\b|\.(?:com|cn|org|net)\b)",
    re.I,
)
# A dateline opens a story: "GENEVA, Sept. 14 (Xinhua) --" or "March 15, 2023 --".
DATELINE = re.compile(
    r"^(?P<dateline>(?:[A-Z][A-Za-z.'\- ]{1,40},\s*)?(?:"
    + _MONTH
    + r"\s+\d{1,2}(?:,?\s*(?:19|20)\d{2})?)(?:\s*\([A-Za-z .]+\))?)\s*(?:--|—|–)\s*",
    re.I,
)
MAX_META_LINE_WORDS = 16
# Every date pattern and TIME need a digit (``\d``, as they match it); a byline or a source
# needs one of META_WORDS (in an ASCII line, IGNORECASE matches only its ASCII cases).
DIGIT = re.compile(r"\d")
META_WORDS = ("by", "author", "reporter", "source", "from")
MAX_AUTHOR_WORDS = 12
# Names are capitalized ("Chen Xu", "Gary Wong Chi-him"), allowing for "de", "van", "bin".
NAME_CAPITALIZED_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class LineMetadata:
    date: str = ""
    author: str = ""
    publisher: str = ""


def parse_date(text: str) -> str:
    """The first full date in ``text`` as ISO 8601 (``YYYY-MM-DD``), or ``""``.

    >>> parse_date("March 15,2023   By:chinadaily.com.cn"), parse_date("2021年9月19日")
    ('2023-03-15', '2021-09-19')
    """
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            month = match.group("month")
            number = MONTHS.get(month.lower().rstrip(".")) if not month.isdigit() else int(month)
            day, year = int(match.group("day")), int(match.group("year"))
            if number and 1 <= number <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{number:02d}-{day:02d}"
    return ""


def parse_byline(who: str) -> tuple[str, str]:
    """(author, publisher) from the names of a byline.

    >>> parse_byline("Liu Lingling, Zhang Penghui, People's Daily")
    ('Liu Lingling, Zhang Penghui', "People's Daily")
    >>> parse_byline("chinadaily.com.cn")
    ('chinadaily.com.cn', 'chinadaily.com.cn')
    """
    parts = [p.strip() for p in re.split(r",|\band\b|、|;", who) if p.strip()]
    if not parts:
        return "", ""
    if OUTLET.search(parts[-1]):
        people = parts[:-1]
        return (", ".join(people) if people else parts[-1]), parts[-1]
    return ", ".join(parts), ""


def looks_like_names(who: str) -> bool:
    """Names or an outlet, not a sentence: "Liu Lingling, Zhang Penghui", "chinadaily.com.cn".

    >>> looks_like_names("Liu Lingling, People's Daily")
    True
    >>> looks_like_names("March 15 the talks ended.")
    False
    """
    words = who.split()
    if not words or len(words) > MAX_AUTHOR_WORDS or re.search(r"[.!?]$", who):
        return False
    if re.fullmatch(r"[\w.-]+\.(?:com|cn|org|net|[a-z]{2})", who.strip()):
        return True
    if re.search(r"\d", who):
        return False
    capitalized = sum(1 for w in words if not w[0].isalpha() or not w[0].islower())
    return capitalized >= NAME_CAPITALIZED_SHARE * len(words)


def parse_meta_line(line: str) -> LineMetadata | None:
    """Date, author and publisher of a line that holds nothing else, or ``None``.

    >>> parse_meta_line("March 15,2023   By:chinadaily.com.cn")
    LineMetadata(date='2023-03-15', author='chinadaily.com.cn', publisher='chinadaily.com.cn')
    >>> parse_meta_line("By March 15 the talks had ended.") is None
    True
    """
    if not line or _more_words_than(line, MAX_META_LINE_WORDS):
        return None
    # The tests below skip the regexes where they cannot match (most head lines are titles
    # and paragraphs): the same result, a small part of the time.
    dated = DIGIT.search(line) is not None
    if not dated and not _may_name_someone(line):
        return None
    date = parse_date(line) if dated else ""
    rest = line
    if dated:
        for pattern in DATE_PATTERNS:
            rest = pattern.sub(" ", rest)
        rest = TIME.sub(" ", rest)
    author = publisher = ""
    byline = BYLINE.search(rest)
    if byline and looks_like_names(byline.group("who")):
        author, publisher = parse_byline(byline.group("who"))
        rest = rest[: byline.start()] + " " + rest[byline.end() :]
    source = SOURCE.search(rest)
    if source:
        publisher = publisher or source.group("who").strip()
        rest = rest[: source.start()] + " " + rest[source.end() :]
    if not (date or author or publisher) or META_FILLER.sub(" ", rest).split():
        return None
    return LineMetadata(date, author, publisher)


def _more_words_than(text: str, limit: int) -> bool:
    """``len(text.split()) > limit``, without splitting a long paragraph into all its words."""
    return len(text.split(None, limit)) > limit


def _may_name_someone(line: str) -> bool:
    """False when neither ``BYLINE`` nor ``SOURCE`` can match ``line`` (an ASCII line without
    any of ``META_WORDS``); True when they may."""
    if not line.isascii():
        return True
    lower = line.lower()
    return any(word in lower for word in META_WORDS)


def split_dateline(paragraph: str) -> tuple[str, str]:
    """(dateline, rest) when ``paragraph`` opens with one, else ``("", paragraph)``.

    >>> split_dateline("GENEVA, Sept. 14 (Xinhua) -- China called on ...")
    ('GENEVA, Sept. 14 (Xinhua)', 'China called on ...')
    """
    match = DATELINE.match(paragraph)
    if not match:
        return "", paragraph
    return match.group("dateline").strip(), paragraph[match.end() :]
