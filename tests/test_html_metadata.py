"""Page metadata from the HTML tree: the same as trafilatura's ``extract_metadata``, faster (#10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author, extract_metadata
from trafilatura.utils import load_html

from ingest.clean.html import DATE_PARAMS, extract_html
from ingest.clean.listing import in_chrome
from ingest.clean.page_metadata import find_author, tree_metadata

from .conftest import invoke, parse_jsonl

HTML = Path(__file__).parent / "data" / "html"
READABILITY = HTML / "readability"
PAGES = sorted(
    [*HTML.glob("*.html"), *READABILITY.glob("*/source.html")], key=lambda path: str(path)
)
FIELDS = ("title", "author", "date", "sitename", "url")


def tree_of(html: str) -> HtmlElement:
    tree = load_html(html)
    assert tree is not None
    return tree


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.parent.name + "/" + path.name)
def test_tree_metadata_is_trafilaturas_on_real_pages(path: Path) -> None:
    tree = tree_of(path.read_text(encoding="utf-8", errors="replace"))
    ours = tree_metadata(tree, DATE_PARAMS)
    theirs = extract_metadata(tree, None, DATE_PARAMS)
    assert [getattr(ours, key) for key in FIELDS] == [getattr(theirs, key) for key in FIELDS]
    assert find_author(tree) == extract_author(tree)


# The bylines of the pages' expected-metadata.json (shared/dev-data/readability); not copied:
# the tests run the CLI over tests/data, where a .json file is read as JSONL.
EXPECTED_BYLINES = {"001": "Nicolas Perriault", "lwn-1": "By Nathan Willis\n   March 25, 2015"}


@pytest.mark.parametrize("name", EXPECTED_BYLINES)
def test_byline_from_the_markup_matches_the_expected_one(name: str) -> None:
    page = extract_html((READABILITY / name / "source.html").read_text(encoding="utf-8"))
    expected = EXPECTED_BYLINES[name].removeprefix("By ")
    assert page.author.split()[:2] == expected.split()[:2]


BYLINES = {
    # a byline inside the comments is a commenter's, not the author's
    "comments": (
        '<div id="comments"><span class="author">Some Commenter</span></div>'
        '<p class="byline">Jane Reporter</p>',
        "Jane Reporter",
    ),
    # the date inside a byline element is not part of the name
    "date inside": (
        '<div class="byline">Jane Reporter <time>March 3, 2024</time></div>',
        "Jane Reporter",
    ),
    # an exact rel="author" later in the page wins over a looser class earlier
    "tiers": (
        '<span class="post-author-box">Box Label Here</span><a rel="author">Jane Reporter</a>',
        "Jane Reporter",
    ),
    "itemprop": ('<b itemprop="author">Jane Reporter</b>', "Jane Reporter"),
    "none": ("<p>Nobody signed this story.</p>", None),
}


@pytest.mark.parametrize("case", BYLINES, ids=list(BYLINES))
def test_find_author_reads_bylines_as_trafilatura_does(case: str) -> None:
    body, expected = BYLINES[case]
    tree = tree_of(
        f"<html><body><article>{body}<p>{'Text of the story. ' * 20}</p></article></body></html>"
    )
    assert find_author(tree) == expected
    assert extract_author(tree) == expected


def test_cli_takes_the_byline_from_the_markup(tmp_path: Path) -> None:
    source = (READABILITY / "001" / "source.html").read_bytes()
    (tmp_path / "page.html").write_bytes(source)
    result = invoke(["clean", "-q", str(tmp_path / "page.html")])
    assert result.exit_code == 0, result.stderr
    (record,) = parse_jsonl(result.stdout_bytes)
    assert record["metadata"]["author"] == "Nicolas Perriault"
    assert "JavaScript" in record["text"]


def test_article_kept_when_the_metadata_step_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(tree: HtmlElement, date_params: dict[str, str]) -> None:
        raise ValueError("odd markup")

    monkeypatch.setattr("ingest.clean.html.tree_metadata", broken)
    html = (HTML / "article.html").read_text(encoding="utf-8")
    page = extract_html(html)
    # no title to move out: the headline stays the first paragraph
    headline, first, *_ = page.text.split("\n\n")
    assert headline == "Geneva forum discusses NGO role in human rights"
    assert first.startswith("Representatives from international")
    assert (page.title, page.author, page.date) == ("", "", "")
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    result = invoke(["clean", "-q", str(tmp_path / "page.html")])
    assert result.exit_code == 0, result.stderr
    (record,) = parse_jsonl(result.stdout_bytes)
    assert "\n\nRepresentatives from international" in record["text"]


def test_in_chrome_remembers_the_same_answers_it_computes() -> None:
    tree = tree_of(
        (HTML / "article_with_widgets.html").read_text(encoding="utf-8", errors="replace")
    )
    elements = [e for e in tree.iter() if isinstance(e.tag, str)]
    known: dict[HtmlElement, bool] = {}
    remembered = [in_chrome(e, known) for e in reversed(elements)][::-1]
    assert remembered == [in_chrome(e) for e in elements]
    assert any(remembered) and not all(remembered)
