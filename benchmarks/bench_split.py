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


# Real-shaped listings (our own text): short teasers, teasers cut at an abbreviation,
# headlines without a teaser, as section fronts and wire pages print them.
FRONT = [
    ("City council approves new budget for parks", "Vote was 7-2."),
    ("Storm closes schools across three counties", "Classes resume Thursday, officials said."),
    ("Governor signs water bill after long fight", "The measure, backed by Gov."),
    ("Museum reopens its doors after two years", ""),
    ("Rail strike talks break down in the capital", "Union leaders in N.Y."),
    ("Local bakery wins national bread award", "Second win in a row."),
    ("Hospital opens new wing for children", ""),
    (
        "Police search for suspect in bank robbery",
        "A man in a grey coat took cash from the branch on Main St.",
    ),
    ("Farmers brace for a dry summer", "Reservoirs are at half their usual level."),
    ("High school team reaches state final", ""),
]
POPULAR = "".join(
    f'<li><a href="/p/{n}">{t}</a></li>'
    for n, t in enumerate(
        [
            "Ten things to do this weekend in town",
            "Why house prices keep rising in the suburbs",
            "The best places to eat noodles downtown",
            "What the new tax rules mean for renters",
            "Photos: the festival of lights in pictures",
            "Opinion: our roads need more than paint",
        ]
    )
)
ARTICLE = [
    "The city council voted on Tuesday to spend more on parks and playgrounds next year, after a debate that lasted well into the night and drew a large crowd of residents to the hall.",
    "The budget adds money for repairs to three swimming pools and for new lights along the river path, which residents have asked for since a string of accidents there last winter.",
    "Two council members voted against the plan, saying that the city should first pay down its debts before taking on new projects of this size, however popular they might be.",
    "The mayor said the work would begin in the spring and that the first of the pools should open again by the start of the summer holidays, if the weather allows it.",
    "Residents who spoke at the meeting were mostly in favour, though several asked for the lights to be switched off after midnight to spare the birds that nest along the banks.",
]
SECTION_HEADS = ["What the plan pays for", "Who voted against it", "What comes next"]


def front_item(n: int, title: str, teaser: str, shape: str) -> str:
    body = f"<p>{teaser}</p>" if teaser else ""
    if shape == "cards":
        return f'<div class="card"><span class="kicker">Local</span><h3><a href="/n/{n}">{title}</a></h3>{body}</div>'
    if shape == "rows":
        return f'<tr><td class="time">09:{n:02d}</td><td><a href="/n/{n}">{title}</a> {teaser}</td></tr>'
    return f'<li class="story"><a href="/n/{n}"><h2>{title}</h2></a>{body}</li>'


def front_page(shape: str, stories: list[tuple[str, str]], rail: bool) -> str:
    items = "".join(front_item(n, t, s, shape) for n, (t, s) in enumerate(stories))
    if shape == "cards":
        main = f'<div class="grid">{items}</div>'
    elif shape == "rows":
        main = f'<table class="wire">{items}</table>'
    else:
        main = f'<ul class="stories">{items}</ul>'
    side = f'<div class="col-right"><h4>Most popular</h4><ol>{POPULAR}</ol></div>' if rail else ""
    nav = '<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport</a></nav>'
    return f'<html><head><title>Local news</title></head><body>{nav}<div class="page"><div class="col-main"><h1>Local news</h1>{main}</div>{side}</div><footer>Copyright 2024 Example Herald</footer></body></html>'


def article_page(beside: str) -> str:
    """The council story, with something beside or under it that must not be split off."""
    body = "".join(f"<p>{p}</p>" for p in ARTICLE)
    extra = ""
    if beside == "rail":  # a rail without any telling class name, as long as the story
        teasers = "".join(
            f'<li><a href="/r/{n}">{t}</a><p>{s or "The full story, with pictures and a map of the area."} Read the rest of this report and more like it inside today.</p></li>'
            for n, (t, s) in enumerate(FRONT)
        )
        extra = f'<div class="col-2"><ul class="list">{teasers}</ul></div>'
    elif beside == "comments":
        comments = "".join(
            f'<li class="c"><a href="/u/{n}">Reader {n}</a> <a href="#c{n}">March {n + 3}, 2024 at 9:1{n} am</a><p>{t} {t}</p></li>'
            for n, t in enumerate(
                [
                    "About time the pools were fixed, my kids have waited two summers for this.",
                    "Lights after midnight are a waste of money and they keep the birds awake all night.",
                    "Who is going to pay for all of this when the debts come due in a few years?",
                ]
            )
        )
        extra = f'<ol class="c-list">{comments * 3}</ol>'
    elif beside == "tags":
        tags = "".join(
            f'<li><a href="/t/{t}">{t}</a></li>'
            for t in ("Parks", "City council", "Budget", "River path", "Mayor")
        )
        extra = f'<ul class="t">{tags}</ul>'
    elif beside == "stream":  # a stream of teasers under the story, longer than the story
        extra = (
            '<ul class="feed">'
            + "".join(
                front_item(n, t, s or "More on this story inside.", "list")
                for n, (t, s) in enumerate(FRONT * 3)
            )
            + "</ul>"
        )
    elif beside == "sections":  # the article's own sections under linked subheadings
        parts = [ARTICLE[:2], ARTICLE[2:4], ARTICLE[4:]]
        body = "".join(
            f'<div class="sec"><h2><a href="#s{n}">{h}</a></h2>{"".join(f"<p>{p}</p>" for p in ps)}</div>'
            for n, (h, ps) in enumerate(zip(SECTION_HEADS, parts, strict=True))
        )
    elif beside == "inline-links":
        body = "".join(
            f'<div class="para">{p.split(",")[0]}, <a href="/ref/{n}">as reported here before</a>,{",".join(p.split(",")[1:])}</div>'
            for n, p in enumerate(ARTICLE)
        )
    return f'<html><head><title>Council approves budget</title></head><body><nav><a href="/">Home</a></nav><div class="wrap"><article><h1>Council approves budget</h1>{body}</article>{extra}</div><footer>Copyright 2024</footer></body></html>'


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
    for shape in ("list", "cards", "rows"):
        for rail in (False, True):
            record = Record(
                f"f-{shape}-{rail}",
                front_page(shape, FRONT, rail),
                metadata={"content_type": "html"},
            )
            name = f"html front {shape}{' + rail' if rail else ''}"
            out.append(Case(name, record, [t for t, _ in FRONT]))
    for beside in ("rail", "comments", "tags", "stream", "sections", "inline-links"):
        record = Record(f"a-{beside}", article_page(beside), metadata={"content_type": "html"})
        out.append(Case(f"article + {beside}", record, []))
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
        wrong = [c.name for c, got in results if got != c.titles]
        rows.append(
            [
                name,
                f"{right}/{len(digests)}",
                f"{found}/{len(digests)}",
                f"{false_splits}/{len(articles)}",
                f"{len(labeled) / seconds:,.0f}",
            ]
        )
        if name == "ingest split" and wrong:
            print(f"ingest split wrong on: {', '.join(wrong)}")
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
