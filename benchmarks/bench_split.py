"""Digest splitting on a labeled set, next to the hand-rolled script it replaces.

Labeled set: the two digest samples (34 stories, titles in tests/cases/split_titles.json);
text digests built from their stories with every marker variant and none, 2 to 6 items;
HTML listings in three layouts; and pages that must pass through whole: the three sample
articles, articles with lists, subheadings and "Read more" links, and the 24 article pages
of the extraction benchmark. A digest is right when every story comes out with its title,
in order; an article is right when it comes out as one record.

    python benchmarks/bench_split.py
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

from _common import ROOT, table
from extraction_pages import pages

from ingest import Record, split_records
from ingest.encoding import decode_bytes

MARKERS = [
    "[more..]",
    "[more...]",
    "More>>",
    "Read more",
    "(more)",
    "[Full story]",
    "Read more »",
    "…",
    "",
]
ARTICLES = [
    "The plan has three parts, the minister said on Monday.\n\n- Lower taxes for small firms\n\n- More money for schools\n\n- New rail lines\n\nCritics said the plan would cost too much.",
    "Talks resume in Geneva\n\nNegotiators met again on Monday after a break of two weeks, officials said.\n\nBoth sides said progress had been made on the questions of trade. Read more",
    "Markets rise\n\nShares rose on Monday in all the main markets of the region.\n\nWhy it matters\n\nInvestors had feared a slowdown after weak factory data.\n\nThe central bank is expected to keep its rates on hold.\n\nWhat comes next\n\nData on jobs is due on Friday and could move markets again.",
]


@dataclass
class Case:
    name: str
    record: Record
    titles: list[str]  # [] for a page that must not be split


def sample_stories() -> list[tuple[str, str]]:
    titles = json.loads((ROOT / "tests" / "cases" / "split_titles.json").read_text())
    stories = []
    for name, names in titles.items():
        blocks = [
            b.strip() for b in (ROOT / "samples" / name).read_text().split("\n\n") if b.strip()
        ]
        for title in names:
            teaser = blocks[blocks.index(title) + 1].replace("[more..]", "").strip()
            stories.append((title, teaser))
    return stories


def html_listing(layout: str, stories: list[tuple[str, str]], marker: str) -> str:
    if layout == "ul":
        items = "".join(
            f'<li><h3><a href="/s/{n}">{t}</a></h3><p>{s}</p><a href="/s/{n}">{marker or "more"}</a></li>'
            for n, (t, s) in enumerate(stories)
        )
        body = f'<ul class="news">{items}</ul>'
    elif layout == "div":
        items = "".join(
            f'<div class="item"><a class="title" href="/s/{n}">{t}</a><div class="summary">{s}</div></div>'
            for n, (t, s) in enumerate(stories)
        )
        body = f'<div class="list">{items}</div>'
    else:
        items = "".join(
            f'<article><h2><a href="/s/{n}">{t}</a></h2><p>{s} <a href="/s/{n}">{marker or "Read more"}</a></p></article>'
            for n, (t, s) in enumerate(stories)
        )
        body = f"<main>{items}</main>"
    nav = '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>'
    return f"<html><head><title>News</title></head><body>{nav}<h1>Latest news</h1><p>Our reports from the session of the Council.</p>{body}<footer>Copyright 2023</footer></body></html>"


def cases() -> list[Case]:
    out = []
    for path in sorted((ROOT / "samples").glob("*.txt")):
        titles = json.loads((ROOT / "tests" / "cases" / "split_titles.json").read_text()).get(
            path.name, []
        )
        out.append(Case(path.name, Record(path.name, path.read_text()), titles))
    stories = sample_stories()
    for m, marker in enumerate(MARKERS):
        for size in range(2, 7):
            chosen = stories[(m * 5 + size) % 20 : (m * 5 + size) % 20 + size]
            if not marker and size < 3:
                continue  # without markers, two items are not enough evidence (by design)
            blocks = ["Reports from the session and the events held on its sidelines this week."]
            for title, teaser in chosen:
                blocks += [title, f"{teaser} {marker}".strip()]
            out.append(
                Case(
                    f"text {marker or 'no marker'} x{size}",
                    Record(f"d{m}{size}", "\n\n".join(blocks)),
                    [t for t, _ in chosen],
                )
            )
    for layout in ("ul", "div", "article"):
        chosen = stories[3:8]
        html = html_listing(layout, chosen, "[more..]")
        out.append(
            Case(
                f"html {layout}",
                Record(f"h-{layout}", html, metadata={"content_type": "html"}),
                [t for t, _ in chosen],
            )
        )
    for n, text in enumerate(ARTICLES):
        out.append(Case(f"article {n}", Record(f"a{n}", text), []))
    for page in pages():
        record = Record(page.name, decode_bytes(page.html).text, metadata={"content_type": "html"})
        out.append(Case(f"page {page.name}", record, []))
    return out


def ingest_titles(record: Record) -> list[str]:
    parts = list(split_records([record]))
    return [r.metadata["title"] for r in parts if r.metadata["role"] == "story"]


MORE = re.compile(r"\[more\.\.\]\s*(?:\n|$)")


def baseline_titles(record: Record) -> list[str]:
    """The script ingest replaces: cut after each "[more..]", the first line is the title."""
    chunks = [c.strip() for c in MORE.split(record.text)]
    if len(chunks) < 2:
        return []
    titles = []
    for n, chunk in enumerate(c for c in chunks if c):
        lines = [line for line in chunk.split("\n") if line.strip()]
        if n == 0 and len(lines) > 2:
            lines = lines[-2:]  # the introduction comes before the first title
        if lines:
            titles.append(lines[0].strip())
    return titles


def main() -> None:
    labeled = cases()
    rows = []
    for name, splitter in (
        ("ingest split", ingest_titles),
        ("split on [more..] baseline", baseline_titles),
    ):
        started = time.perf_counter()
        results = [(case, splitter(case.record)) for case in labeled]
        seconds = time.perf_counter() - started
        digests = [(c, got) for c, got in results if c.titles]
        articles = [(c, got) for c, got in results if not c.titles]
        right = sum(1 for c, got in digests if got == c.titles)
        found = sum(1 for c, got in digests if got)
        false_splits = sum(1 for _, got in articles if got)
        rows.append(
            [
                name,
                f"{right}/{len(digests)}",
                f"{found}/{len(digests)}",
                f"{false_splits}/{len(articles)}",
                f"{len(labeled) / seconds:,.0f}",
            ]
        )
    print(
        f"{len(labeled)} pages: {sum(1 for c in labeled if c.titles)} digests, {sum(1 for c in labeled if not c.titles)} single articles\n"
    )
    print(
        table(
            rows,
            [
                "splitter",
                "digests exactly right",
                "digests split at all",
                "articles split (wrong)",
                "pages/s",
            ],
        )
    )


if __name__ == "__main__":
    main()
