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


# Paragraphs the page itself repeats: trafilatura drops a long paragraph equal to the one
# before it (its own overlapping candidates make such copies); the page's copies come back.

CHORUS = "And the river runs on, and the river runs on, through the long night into the light."
VERSES = [
    "We came down from the hills with nothing but the songs our mothers taught us, and bread.",
    "The town was quiet when we reached it, every window dark, every door shut against the cold.",
]


def song(body: str) -> str:
    return f"<html><head><title>Song</title></head><body><article><h1>The river</h1>{body}</article></body></html>"


def test_a_paragraph_the_page_repeats_is_kept_as_often_as_the_page_has_it(tmp_path: Path) -> None:
    chorus_twice = f"<p>{CHORUS}</p><p>{CHORUS}</p>"
    body = f"<p>{VERSES[0]}</p>{chorus_twice}<p>{VERSES[1]}</p>{chorus_twice}"
    assert extract_html(song(body)).text.count(CHORUS) == 4
    (tmp_path / "song.html").write_text(song(body))
    assert clean_file(tmp_path / "song.html")["text"].count(CHORUS) == 4
    # a copy of it elsewhere on the page (a footer's link) does not stop the article's
    link = f"</article><footer><a href='/'>{CHORUS}</a></footer>"
    assert extract_html(song(body).replace("</article>", link)).text.count(CHORUS) == 4
    # a copy wrapped over lines in the source is the same paragraph; a copy comes back after
    # the paragraph's last occurrence, where trafilatura dropped it
    wrapped = CHORUS.replace(" the long night", "\n      the long night")
    body = f"<p>{CHORUS}</p><p>{VERSES[0]}</p><p>{CHORUS}</p><p>{wrapped}</p><p>{VERSES[1]}</p>"
    paragraphs = extract_html(song(body)).text.split("\n\n")
    assert paragraphs[-5:] == [CHORUS, VERSES[0], CHORUS, CHORUS, VERSES[1]]
    # a wrapper around each copy (a <div> holding the <p> alone) is the copy
    wrapped = f"<p>{VERSES[0]}</p><div><p>{CHORUS}</p></div><div><p>{CHORUS}</p></div>"
    assert extract_html(song(wrapped)).text.count(CHORUS) == 2


def test_real_page_with_a_paragraph_repeated_around_a_widget_keeps_every_copy() -> None:
    page = READABILITY / "social-buttons"  # five equal paragraphs, a "Like this" box among them
    record = clean_file(page / "source.html")
    expected = lxml.html.fromstring((page / "expected.html").read_text("utf-8"))
    paragraph = " ".join(expected.xpath("//p")[0].text_content().split())
    assert record["text"].split("\n\n").count(paragraph) == 5
    assert four_gram_f1(record["text"], expected.text_content()) > 0.95


def test_copies_of_other_kinds_are_not_brought_back() -> None:
    # the same text in blocks of two classes (a responsive duplicate) or a pull quote is not
    # the page repeating a paragraph: trafilatura's single copy stays single
    for body in [
        f"<p>{VERSES[0]}</p><p class='mobile'>{CHORUS}</p><p class='desktop'>{CHORUS}</p>",
        f"<p>{VERSES[0]}</p><p>{CHORUS}</p><blockquote>{CHORUS}</blockquote><p>{VERSES[1]}</p>",
    ]:
        assert extract_html(song(body)).text.count(CHORUS) == 1
    # nor copies in two places, of which trafilatura's one is not known: the article's and
    # a sidebar's, a navigation's, a footer's, a list's or a table's
    article = f"<p>{VERSES[0]}</p><p>{CHORUS}</p><p>{VERSES[1]}</p>"
    for elsewhere in [
        f"<aside><p>{CHORUS}</p><p>{CHORUS}</p></aside>",
        f"<aside><ul><li class='quote'>{CHORUS}</li><li class='quote'>{CHORUS}</li></ul></aside>",
        f"<nav><ul><li>{CHORUS}</li><li>{CHORUS}</li></ul></nav>",
        f"<footer>{f'<p>{CHORUS}</p>' * 4}</footer>",
    ]:
        page = song(article).replace("</article>", f"</article>{elsewhere}")
        assert extract_html(page).text.count(CHORUS) == 1, elsewhere
        # also when the article's copy starts with an inline element (its block's own text
        # is not the paragraph's start, so only the page's text shows it is a second place)
        bold = page.replace(
            f"<p>{CHORUS}</p><p>{VERSES[1]}", f"<p><b>{CHORUS}</b></p><p>{VERSES[1]}"
        )
        assert extract_html(bold).text.count(CHORUS) == 1, elsewhere
    for inside in [
        f"<ul><li>{CHORUS}</li><li>{CHORUS}</li></ul>",
        f"<table><tr><td>{CHORUS}</td></tr><tr><td>{CHORUS}</td></tr></table>",
    ]:
        page = song(article.replace(f"<p>{VERSES[1]}</p>", f"{inside}<p>{VERSES[1]}</p>"))
        paragraphs = extract_html(page).text.split("\n\n")
        assert paragraphs.count(CHORUS) == 1, inside  # the list's or table's copies are its own
    # nor is a paragraph the page has once, nor a body the page renders twice
    once = f"<p>{VERSES[0]}</p><p>{CHORUS}</p><p>{VERSES[1]}</p>"
    assert extract_html(song(once)).text.count(CHORUS) == 1
    twice = song(once).replace("</article>", f"</article><div class='print'>{once}</div>")
    assert extract_html(twice).text.count(CHORUS) == 1
