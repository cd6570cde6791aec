"""HTML pages (#10): the classes of error found on real pages, through the CLI and the library.

Listing detection firing on articles, plain-text rules run on trafilatura's text, a fallback
that threw away a good extraction, and listing items dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import lxml.html

from ingest import CleanConfig, Record, clean_records, read_records, split_records
from ingest.clean.html import extract_html, page_text
from ingest.clean.listing import Listing, ListingItem, without_teaser_stream

from .conftest import invoke, parse_jsonl, run_ingest

HTML = Path(__file__).parent / "data" / "html"
READABILITY = HTML / "readability"
FRONT_PAGE = [
    ("City council approves new budget for parks", "Vote was 7-2."),
    ("Storm closes schools across three counties", "Classes resume Thursday."),
    ("Governor signs water bill after long fight", "The measure, backed by Gov."),
    ("Museum reopens its doors after two years", ""),
    ("Rail strike talks break down in the capital", "Union leaders in N.Y."),
    ("Hospital opens new wing for children", ""),
]
STORY_START = "The city council voted on Tuesday to spend more on parks"


def clean_file(path: Path) -> dict:
    result = invoke(["clean", "-q", str(path)])
    assert result.exit_code == 0, result.stderr
    (record,) = parse_jsonl(result.stdout_bytes)
    return record


def clean_html(html: str) -> Record:
    (record,) = clean_records([Record("p", html, metadata={"content_type": "html"})])
    return record


def four_gram_f1(got: str, want: str) -> float:
    def grams(text: str) -> Counter[tuple[str, ...]]:
        words = re.findall(r"\w+", text.casefold())
        return Counter(tuple(words[i : i + 4]) for i in range(len(words) - 3))

    g, w = grams(got), grams(want)
    common = sum((g & w).values())
    return 2 * common / (sum(g.values()) + sum(w.values())) if common else 0.0


# Listing detection firing on articles: rails, comment lists, tag clouds, linked subheadings.


def test_article_with_rail_comments_tags_and_linked_subheadings_is_one_article() -> None:
    record = clean_file(HTML / "article_with_widgets.html")
    assert record["metadata"]["items"] == []
    assert record["text"].startswith(f"What the plan pays for\n\n{STORY_START}")
    for widget in ("Reader one", "March 3, 2024", "Local bakery wins", "City council\n"):
        assert widget not in record["text"]
    split = parse_jsonl(invoke(["split", "-q", str(HTML / "article_with_widgets.html")]).stdout)
    assert len(split) == 1 and split[0]["metadata"]["role"] == "document"


def test_article_whose_paragraphs_hold_links_is_not_cut_into_items() -> None:
    paragraphs = [
        f"<div class='para'>Paragraph {n} of the story, <a href='/ref/{n}'>as reported here "
        "before</a>, goes on with a long sentence about the council and its budget vote.</div>"
        for n in range(6)
    ]
    html = f"<html><body><article><h1>Budget</h1>{''.join(paragraphs)}</article></body></html>"
    page = extract_html(html)
    assert page.items == []
    assert page.text.startswith("Paragraph 0 of the story")
    assert len(list(split_records([Record("p", html, metadata={"content_type": "html"})]))) == 1


def test_real_article_with_related_links_stays_the_article() -> None:
    """bbc-1 of Mozilla Readability's test pages: the article as its maintainers expect it."""
    page = READABILITY / "bbc-1"
    (record,) = clean_records(read_records([str(page / "source.html")]))
    expected = lxml.html.fromstring((page / "expected.html").read_text("utf-8")).text_content()
    assert record.metadata["items"] == []
    assert four_gram_f1(record.text, expected) > 0.95
    assert record.metadata["title"] == "Obama admits US gun laws are his 'biggest frustration'"


def test_hidden_elements_are_not_text() -> None:
    page = READABILITY / "hidden-nodes"
    record = clean_file(page / "source.html")
    expected = lxml.html.fromstring((page / "expected.html").read_text("utf-8")).text_content()
    assert four_gram_f1(record["text"], expected) > 0.95
    assert (
        "Hidden"
        not in clean_html(
            "<html><body><article><p>A visible paragraph that is long enough to be the story of "
            "this page, with a full sentence.</p><p style='DISPLAY: none'>Hidden text of the page "
            "that a browser does not show to anyone at all.</p></article></body></html>"
        ).text
    )


# A stream of other stories under an article, which trafilatura takes into it (yahoo-3 of
# Readability's pages, reduced: its precision was 0.31).

STREAM_PAGE = READABILITY / "yahoo-3" / "source.html"
STORY_END = "to give 15 percent of all profits related to these shoots to the USO."
STREAM_STORIES = ["Alan Thicke", "Ryan Zinke", "Eastern Aleppo", "CorePower Yoga"]


def test_stream_of_teasers_under_a_story_is_cut_from_its_text() -> None:
    record = clean_file(STREAM_PAGE)
    assert record["metadata"]["items"] == []
    assert record["text"].startswith("A photographer and Navy veteran is fighting back")
    assert record["text"].endswith(STORY_END)
    assert not any(story in record["text"] for story in STREAM_STORIES)
    page = extract_html(STREAM_PAGE.read_text(encoding="utf-8"))
    assert page.items == [] and page.text == record["text"]
    result = run_ingest(["run", "-q", str(STREAM_PAGE)])  # clean | split | dedupe
    assert result.returncode == 0, result.stderr
    (document,) = parse_jsonl(result.stdout)
    assert document["metadata"]["role"] == "document" and document["text"] == record["text"]


def test_other_columns_under_a_real_story_are_cut_though_each_block_has_its_own_class() -> None:
    """herald-sun-1 of Readability's pages: "Other Opinion Columns" under the column, blocks
    of one shape whose classes carry their position and story id ("sbpos-2 id1227272060915"),
    which trafilatura takes into the article."""
    page = READABILITY / "herald-sun-1"
    record = clean_file(page / "source.html")
    expected = lxml.html.fromstring((page / "expected.html").read_text("utf-8")).text_content()
    assert record["metadata"]["items"] == []
    for other in ("Other Opinion Columns", "Starbeam Fantapants", "Own backyard"):
        assert other not in record["text"]
    assert four_gram_f1(record["text"], expected) > 0.95
    (library,) = clean_records(read_records([str(page / "source.html")]))
    assert library.text == record["text"]


def test_listing_whose_items_are_numbered_by_class_is_found(tmp_path: Path) -> None:
    blocks = "".join(
        f'<div class="story-block sbpos-{n} id12272{n:05d}"><h4 class="heading">'
        f'<a href="/n/{n}">{title}</a></h4><p class="standfirst">{teaser}</p></div>'
        for n, (title, teaser) in enumerate(FRONT_PAGE, 1)
    )
    html = (
        "<html><head><title>Local news</title></head><body><div class='group-content'>"
        f"<h1>Local news</h1>{blocks}</div></body></html>"
    )
    (tmp_path / "front.html").write_text(html)
    items = clean_file(tmp_path / "front.html")["metadata"]["items"]
    assert [i["title"] for i in items] == [t for t, _ in FRONT_PAGE]
    assert [(i.title, i.teaser) for i in extract_html(html).items] == FRONT_PAGE


def test_an_articles_own_list_of_linked_items_is_not_taken_for_a_stream(tmp_path: Path) -> None:
    """A listicle: paragraphs, then the list of linked entries it is about, in one block."""
    intro = [
        "We tried forty apps for the city's commuters over three months, on old phones and new "
        "ones, on buses and trains and in the tunnels where the signal drops.",
        "Most of them did the same few things, and too many asked for a subscription before "
        "they had shown what they could do for anyone on the way to work.",
        "These six are the ones we kept on our phones after the test was over, and the ones we "
        "would tell a friend to try first, in the order we would try them.",
    ]
    entries = [
        (
            "Transit Now shows every bus in real time",
            "The map is quick and the alerts are on time.",
        ),
        (
            "Rail Pal plans trips across three networks",
            "It knows the strikes before the stations do.",
        ),
        ("Bike Dock finds a free bike in seconds", "The docks it shows are rarely empty."),
        ("Walk Safe picks the well-lit streets home", "It is slower, and it is meant to be."),
    ]
    items = "".join(
        f'<li><h3><a href="/apps/{n}">{title}</a></h3><p>{teaser}</p></li>'
        for n, (title, teaser) in enumerate(entries)
    )
    html = (
        "<html><head><title>The best commuter apps</title></head><body><div class='wrap'>"
        "<article><h1>The best commuter apps</h1><div class='article-body'>"
        f"{''.join(f'<p>{p}</p>' for p in intro)}<ol class='apps'>{items}</ol>"
        "</div></article></div></body></html>"
    )
    (tmp_path / "apps.html").write_text(html)
    record = clean_file(tmp_path / "apps.html")
    assert record["metadata"]["items"] == []
    for title, teaser in entries:
        assert f"{title} {teaser}" in record["text"]
    assert extract_html(html).text == record["text"]


def _stream(*teasers: str) -> list[Listing]:
    items = [
        ListingItem(f"Headline number {n} of the stream", t, "") for n, t in enumerate(teasers)
    ]
    return [Listing(lxml.html.fromstring("<ul></ul>"), items)]


STORY = [
    "The city council voted on Tuesday to spend more on parks and playgrounds next year, after "
    "a long debate.",
    "The mayor said the work would begin in the spring and the pools should open by summer.",
]
TEASERS = [
    "A man in a grey coat took cash from the branch on Main Street, the police said on Monday.",
    "Reservoirs are at half their usual level after the driest spring in forty years of records.",
]


def test_only_a_run_of_teasers_after_the_story_is_cut() -> None:
    assert without_teaser_stream([*STORY, *TEASERS], _stream(*TEASERS)) == STORY
    # One teaser-like closing paragraph is the story's own; teasers inside the story stay.
    assert without_teaser_stream([*STORY, TEASERS[0]], _stream(*TEASERS)) == [*STORY, TEASERS[0]]
    inside = [STORY[0], *TEASERS, STORY[1]]
    assert without_teaser_stream(inside, _stream(*TEASERS)) == inside
    # Without prose of its own before the run, the page is not cut to nothing.
    assert without_teaser_stream(TEASERS, _stream(*TEASERS)) == TEASERS
    # Words of the paragraph not in the teasers: not the stream.
    changed = [
        *STORY,
        TEASERS[0],
        "The council's own reply to the vote will come next week, it said.",
    ]
    assert without_teaser_stream(changed, _stream(*TEASERS)) == changed


# Plain-text rules must not run on trafilatura's text.

CLOSING_LIST = """<html><head><title>Band announces tour</title></head><body><article>
<h1>Band announces tour</h1>
<p>The band will play eight cities this autumn, its first tour in five years, and tickets go on sale on Friday morning at the usual outlets.</p>
<p>| City | Date |</p>
<p>| Leeds | 3 October |</p>
<p>The singer said the new songs were written during the long winter. © 2024 The band's new album is out now, the label said.</p>
<p>Tour dates:</p>
<ul><li>Leeds, 3 October</li><li>Glasgow, 5 October</li><li>Bristol, 8 October</li></ul>
</article></body></html>"""


def test_story_closing_list_table_rows_and_copyright_line_are_kept(tmp_path: Path) -> None:
    (tmp_path / "tour.html").write_text(CLOSING_LIST)
    text = clean_file(tmp_path / "tour.html")["text"]
    for line in ("| Leeds | 3 October |", "© 2024 The band's new album", "- Bristol, 8 October"):
        assert line in text, line
    assert clean_html(CLOSING_LIST).text == text


def test_plain_text_pages_still_get_the_plain_text_rules(tmp_path: Path) -> None:
    page = "Home > News > World\n\nThe band will play eight cities this autumn, its first tour in years.\n\nCopyright 2024 Example"
    (tmp_path / "page.txt").write_text(page)
    assert clean_file(tmp_path / "page.txt")["text"] == (
        "The band will play eight cities this autumn, its first tour in years."
    )


# A fallback that threw away a good extraction.


def test_list_only_article_keeps_trafilaturas_text(tmp_path: Path) -> None:
    items = [
        "Two cups of flour, sifted twice",
        "One spoon of sugar and a pinch of salt",
        "Three eggs beaten with a little milk",
        "Butter for the pan, melted first",
    ]
    html = (
        "<html><head><title>Pancakes</title></head><body><div class='promo'><p>Sign up to our "
        "newsletter today and never miss a recipe from our kitchen again.</p></div><article>"
        f"<h1>Pancakes</h1><ul>{''.join(f'<li>{i}</li>' for i in items)}</ul></article></body></html>"
    )
    (tmp_path / "recipe.html").write_text(html)
    text = clean_file(tmp_path / "recipe.html")["text"]
    # The old fallback replaced it by the page's one sentence: the newsletter prompt.
    assert text.startswith("\n\n".join(f"- {item}" for item in items))
    assert clean_html(html).text == text


# Listing items dropped: short teasers, teasers cut at an abbreviation, headlines alone.


def test_every_item_of_a_real_shaped_listing_is_kept_in_clean() -> None:
    record = clean_file(HTML / "front_page.html")
    items = record["metadata"]["items"]
    assert [i["title"] for i in items] == [t for t, _ in FRONT_PAGE]
    assert items[0]["url"] == "https://herald.example.com/n/1"
    text = record["text"]
    for item, (title, teaser) in zip(items, FRONT_PAGE, strict=True):
        assert text[item["start"] : item["end"]] == f"{title}\n\n{teaser}".strip()
    assert "Most popular" not in text and "noodles" not in text
    page = extract_html((HTML / "front_page.html").read_text())
    assert [(i.title, i.teaser) for i in page.items] == FRONT_PAGE
    assert page_text(page) == text


def test_every_item_of_a_real_shaped_listing_becomes_a_story_in_split() -> None:
    path = str(HTML / "front_page.html")
    direct = parse_jsonl(run_ingest(["split", "-q", path]).stdout)
    piped = parse_jsonl(
        invoke(["split", "-q"], input=invoke(["clean", "-q", path]).stdout_bytes).stdout
    )
    library = [r.to_dict() for r in split_records(clean_records(read_records([path])))]
    for records in (direct, piped, library):
        stories = [r for r in records if r["metadata"]["role"] == "story"]
        # A headline without a teaser is a story too, its title as its text.
        assert [(s["metadata"]["title"], s["text"]) for s in stories] == [
            (title, teaser or title) for title, teaser in FRONT_PAGE
        ]
        assert [s["metadata"]["part"] for s in stories] == list(range(1, 7))


def test_clean_keeps_the_config_min_items() -> None:
    html = (HTML / "front_page.html").read_text()
    record = Record("p", html, metadata={"content_type": "html"})
    (cleaned,) = clean_records([record], CleanConfig(min_items=7))
    assert cleaned.metadata["items"] == []


def test_a_page_of_three_sibling_divs_is_one_article_not_a_digest(tmp_path: Path) -> None:
    """`<div id=top>` / `<div id=content>` / `<div id=bottom>`: page regions are not items."""
    story = [
        f"Paragraph {n} of the council story: members spoke at length about the new budget, "
        "the school repairs and the harbour ferry, and the vote was put off to next week."
        for n in range(1, 6)
    ]
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Council story | Le Petit Journal'
        '</title></head><body><div id="top"><a href="/">Le Petit Journal de Genève</a> | '
        '<a href="/monde">Monde</a> | <a href="/suisse">Suisse</a></div><div id="content">'
        "<h2>Council puts off the budget vote</h2>"
        + "".join(f"<p>{p}</p>" for p in story)
        + '</div><div id="bottom">Le Petit Journal de Genève · Tous droits réservés · '
        '<a href="/contact">Contact</a></div></body></html>'
    )
    path = tmp_path / "regions.html"
    path.write_bytes(page.encode("iso-8859-1"))
    record = clean_file(path)
    assert record["metadata"]["items"] == []
    assert all(record["text"].count(p) == 1 for p in story)
    result = run_ingest(["run", "-q", str(path)])
    assert result.returncode == 0, result.stderr
    assert len(parse_jsonl(result.stdout)) == 1


# Normalization of extracted text: spaces tidied before the mojibake repair (one ftfy pass).

MOJIBAKE_STORY = [
    "Le cafÃ©\u00a0du port a rouvert ses portes\u00a0: voilÃ\u00a0 ce que les habitants "
    "attendaient depuis des mois, dit la mairie dans un communiqué publié lundi.",
    "Les  horaires   restent\u2003les mêmes qu'avant les travaux, du lundi au samedi, et "
    "le menu\u00a0\u00a0change chaque semaine selon le marché.",
]
MOJIBAKE_FIXED = [
    "Le café du port a rouvert ses portes : voilà ce que les habitants attendaient depuis des "
    "mois, dit la mairie dans un communiqué publié lundi.",
    "Les horaires restent les mêmes qu'avant les travaux, du lundi au samedi, et le menu "
    "change chaque semaine selon le marché.",
]


def test_html_mojibake_and_odd_spaces_are_repaired_in_one_clean(tmp_path: Path) -> None:
    body = "".join(f"<p>{p}</p>" for p in MOJIBAKE_STORY)
    page = f"<html><head><meta charset='utf-8'></head><body><article>{body}</article></body>"
    path = tmp_path / "cafe.html"
    path.write_bytes(f"{page}</html>".encode())
    record = clean_file(path)
    assert record["text"].split("\n\n") == MOJIBAKE_FIXED
    assert [r.split(":")[0] for r in record["metadata"]["repairs"]] == ["mojibake"]
    (library,) = clean_records(read_records([str(path)]))
    assert library.text == record["text"]
    # Cleaning the cleaned text again changes nothing: the normalization is at a fixed point.
    (again,) = clean_records([Record("p", library.text, metadata={"content_type": "text"})])
    assert again.text == library.text
