"""Feeds (#16): RSS 0.91/2.0, RSS 1.0 and Atom in any encoding, one story per item out;
documents that come out empty are flagged and counted, never silent."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest import Record, clean_records, read_records, split_records
from ingest.clean import CleanConfig, CleanStats, clean_record
from ingest.clean.feed import html_to_text, parse_feed
from ingest.sniff import is_feed

from .conftest import invoke, parse_jsonl, run_ingest

DATA = Path(__file__).parent / "data"
ARTICLES = json.loads((DATA / "feeds" / "articles.json").read_text(encoding="utf-8"))
BY_PAGE = {a["page"]: a for a in ARTICLES}
# Each encoding with the articles it can carry.
ENCODED = {
    "utf-8": ["bbc-1", "qq", "hukumusume", "uchardet ru/koi8-r.txt"],
    "iso-8859-1": ["liberation-1", "bbc-1"],
    "gb18030": ["qq"],
    "big5": ["pixnet"],
    "shift_jis": ["hukumusume"],
    "koi8-r": ["uchardet ru/koi8-r.txt"],
    "windows-1251": ["uchardet ru/koi8-r.txt"],
    "euc-kr": ["uchardet ko/utf-8.txt"],
}
FLAVOURS = ["rss20", "rss10", "atom10", "rss091"]
NAMESPACES = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


@dataclass(frozen=True)
class Item:
    title: str
    paragraphs: list[str]
    date: dt.datetime | None
    author: str
    link: str

    @property
    def iso_date(self) -> str:
        return self.date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if self.date else ""

    @property
    def html(self) -> str:
        return "".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)


def items_of(pages: list[str]) -> list[Item]:
    items = []
    for number, page in enumerate(pages):
        article = BY_PAGE[page]
        date = (
            dt.datetime.fromisoformat(article["date"])
            if article["date"]
            else dt.datetime(2024, 3, 1 + number, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
        )
        if date.tzinfo is None:
            date = date.replace(tzinfo=dt.UTC)
        items.append(
            Item(
                article["title"],
                article["paragraphs"],
                date,
                article["author"],
                f"https://example.org/{number}",
            )
        )
    return items


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def rss20(items: list[Item], title: str = "Example News") -> str:
    body = "".join(
        f"<item><title>{esc(i.title)}</title><link>{i.link}</link>"
        + (f"<pubDate>{email.utils.format_datetime(i.date)}</pubDate>" if i.date else "")
        + (f"<dc:creator>{esc(i.author)}</dc:creator>" if i.author else "")
        + (f"<description><![CDATA[{i.html}]]></description>" if i.paragraphs else "")
        + "</item>\n"
        for i in items
    )
    return (
        f'<rss version="2.0" {NAMESPACES}><channel><title>{esc(title)}</title>'
        f"<link>https://example.org/</link><description>News</description>\n{body}</channel></rss>"
    )


def rss10(items: list[Item], title: str = "Example News") -> str:
    body = "".join(
        f'<item rdf:about="{i.link}"><title>{esc(i.title)}</title><link>{i.link}</link>'
        + (f"<dc:date>{i.date.isoformat()}</dc:date>" if i.date else "")
        + (f"<dc:creator>{esc(i.author)}</dc:creator>" if i.author else "")
        + (f"<description>{esc(i.html)}</description>" if i.paragraphs else "")
        + "</item>\n"
        for i in items
    )
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        f' xmlns="http://purl.org/rss/1.0/" {NAMESPACES}>'
        f'<channel rdf:about="https://example.org/"><title>{esc(title)}</title>'
        f"<link>https://example.org/</link><description>News</description></channel>\n"
        f"{body}</rdf:RDF>"
    )


def atom10(items: list[Item], title: str = "Example News") -> str:
    body = "".join(
        f'<entry><title>{esc(i.title)}</title><link href="{i.link}"/><id>{i.link}</id>'
        + (f"<updated>{i.date.isoformat()}</updated>" if i.date else "")
        + (f"<author><name>{esc(i.author)}</name></author>" if i.author else "")
        + (f'<content type="html">{esc(i.html)}</content>' if i.paragraphs else "")
        + "</entry>\n"
        for i in items
    )
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{esc(title)}</title>'
        f'<link href="https://example.org/"/><id>https://example.org/</id>'
        f"<updated>2024-01-01T00:00:00Z</updated>\n{body}</feed>"
    )


def rss091(items: list[Item], title: str = "Example News") -> str:
    body = "".join(
        f"<item><title>{esc(i.title)}</title><link>{i.link}</link>"
        + (f"<description>{esc(' '.join(i.paragraphs))}</description>" if i.paragraphs else "")
        + "</item>\n"
        for i in items
    )
    return (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        f'<rss version="0.91"><channel><title>{esc(title)}</title>'
        f"<link>https://example.org/</link><description>News</description>\n{body}</channel></rss>"
    )


WRITERS = {"rss20": rss20, "rss10": rss10, "atom10": atom10, "rss091": rss091}


def feed_bytes(xml: str, encoding: str, declared: str | None = None) -> bytes:
    label = declared or encoding
    declaration = f'<?xml version="1.0" encoding="{label}"?>\n' if label != "none" else ""
    return (declaration + xml).encode(encoding, "xmlcharrefreplace")


def expected_date(flavour: str, item: Item) -> str:
    return "" if flavour == "rss091" else item.iso_date  # 0.91 items have no date


def stories_of(records: list[dict]) -> list[dict]:
    return [r for r in records if r["metadata"]["role"] == "story"]


def check_stories(stories: list[dict], items: list[Item], flavour: str, parent: str) -> None:
    assert [s["metadata"]["title"] for s in stories] == [i.title for i in items]
    assert [s["metadata"]["date"] for s in stories] == [expected_date(flavour, i) for i in items]
    assert [s["metadata"]["url"] for s in stories] == [i.link for i in items]
    for story, item in zip(stories, items, strict=True):
        assert story["metadata"]["parent_id"] == parent
        assert story["metadata"]["publisher"] == "Example News"
        for paragraph in item.paragraphs:
            assert " ".join(paragraph.split()) in " ".join(story["text"].split())
        if flavour != "rss091":
            assert story["metadata"]["author"] == item.author


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("encoding", list(ENCODED))
def test_each_flavour_and_encoding_gives_one_story_per_item_through_the_cli(
    tmp_path: Path, flavour: str, encoding: str
) -> None:
    items = items_of(ENCODED[encoding])
    path = tmp_path / f"news-{flavour}.xml"
    path.write_bytes(feed_bytes(WRITERS[flavour](items), encoding))
    cleaned = invoke(["clean", str(path)])
    assert cleaned.exit_code == 0, cleaned.stderr
    [record] = parse_jsonl(cleaned.stdout)
    assert record["metadata"]["feed"].startswith(flavour[:5])
    assert record["metadata"]["empty_reason"] == ""
    assert record["metadata"]["url"] == "https://example.org/"
    assert [i["title"] for i in record["metadata"]["items"]] == [i.title for i in items]
    split = invoke(["split"], input=cleaned.stdout)
    assert split.exit_code == 0, split.stderr
    check_stories(stories_of(parse_jsonl(split.stdout)), items, flavour, record["id"])


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_library_reads_cleans_and_splits_a_feed(tmp_path: Path, flavour: str) -> None:
    items = items_of(["liberation-1", "qq", "hukumusume"])
    path = tmp_path / "feed"
    path.write_bytes(feed_bytes(WRITERS[flavour](items), "utf-8"))
    [raw] = list(read_records([str(path)]))
    assert raw.metadata["content_type"] == "feed"
    records = [r.to_dict() for r in split_records(clean_records([raw]))]
    check_stories(stories_of(records), items, flavour, "feed")


def test_clean_then_split_as_processes_with_a_feed_named_like_a_page(tmp_path: Path) -> None:
    """Recognised by content: a feed saved as .html, in GB18030, declared as GB2312."""
    items = items_of(["qq", "bbc-1"])
    path = tmp_path / "index.html"
    path.write_bytes(feed_bytes(rss20(items), "gb18030", declared="gb2312"))
    cleaned = run_ingest(["clean", str(path)])
    assert cleaned.returncode == 0, cleaned.stderr
    split = run_ingest(["split"], input=cleaned.stdout)
    check_stories(stories_of(parse_jsonl(split.stdout)), items, "rss20", "index.html")


ILL_FORMED = {
    "unescaped ampersand": lambda xml: xml.replace("&amp;", "&").replace(
        "<title>Obama", "<title>Q&A: Obama"
    ),
    "missing closing tags": lambda xml: xml.replace("</item>", "", 1).replace(
        "</channel></rss>", ""
    ),
    "html entities": lambda xml: xml.replace("<p>", "<p>&nbsp;&mdash; ", 1),
    "raw html": lambda xml: xml.replace("<![CDATA[", "").replace("]]>", "<br></p>"),
}


@pytest.mark.parametrize("fault", list(ILL_FORMED))
def test_ill_formed_feeds_still_give_every_item(tmp_path: Path, fault: str) -> None:
    items = items_of(["bbc-1", "liberation-1", "qq"])
    xml = ILL_FORMED[fault](rss20(items))
    path = tmp_path / "bad.rss"
    path.write_bytes(feed_bytes(xml, "utf-8"))
    result = invoke(["run", str(path)])
    assert result.exit_code == 0, result.stderr
    stories = stories_of(parse_jsonl(result.stdout))
    titles = [i.title for i in items]
    if fault == "unescaped ampersand":
        titles[0] = "Q&A: " + titles[0]
    assert [s["metadata"]["title"] for s in stories] == titles
    assert [s["metadata"]["date"] for s in stories] == [i.iso_date for i in items]
    for story, item in zip(stories, items, strict=True):
        assert item.paragraphs[-1] in story["text"]
        assert "<" not in story["text"] and "&nbsp;" not in story["text"]


@pytest.mark.parametrize("encoding", ["windows-1251", "koi8-r"])
def test_a_wrong_declared_encoding_is_outvoted_by_the_bytes(tmp_path: Path, encoding: str) -> None:
    items = items_of(["uchardet ru/koi8-r.txt"])
    path = tmp_path / "ru.xml"
    path.write_bytes(feed_bytes(atom10(items), encoding, declared="utf-8"))
    [story] = stories_of(parse_jsonl(run_split(path)))
    assert story["metadata"]["title"] == items[0].title
    assert items[0].paragraphs[0] in story["text"]


def run_split(path: Path) -> str:
    return invoke(["split"], input=invoke(["clean", str(path)]).stdout).stdout


def test_a_feed_of_title_only_items_gives_a_story_per_title(tmp_path: Path) -> None:
    titles = ["Markets close higher", "Rain expected on Sunday", "Council approves budget"]
    items = [Item(t, [], None, "", f"https://example.org/{n}") for n, t in enumerate(titles)]
    path = tmp_path / "headlines.xml"
    path.write_bytes(feed_bytes(rss20(items), "utf-8"))
    records = parse_jsonl(run_split(path))
    stories = stories_of(records)
    assert [s["text"] for s in stories] == titles
    assert [s["metadata"]["title"] for s in stories] == titles
    assert len(records) == len(titles)  # no introduction, no parent


def test_a_feed_with_one_item_is_still_split(tmp_path: Path) -> None:
    items = items_of(["bbc-1"])
    path = tmp_path / "one.xml"
    path.write_bytes(feed_bytes(rss20(items), "utf-8"))
    [story] = parse_jsonl(run_split(path))
    assert story["metadata"]["role"] == "story"
    assert story["id"] == "one.xml#1"


def test_an_empty_feed_is_flagged_counted_and_dropped_on_request(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_bytes(feed_bytes(atom10([]), "utf-8"))
    (tmp_path / "full.xml").write_bytes(feed_bytes(atom10(items_of(["bbc-1"])), "utf-8"))
    result = invoke(["clean", str(tmp_path)])
    assert result.exit_code == 0
    by_id = {r["id"]: r for r in parse_jsonl(result.stdout)}
    assert by_id["empty.xml"]["text"] == ""
    assert by_id["empty.xml"]["metadata"]["empty_reason"] == "feed without items"
    assert by_id["full.xml"]["metadata"]["empty_reason"] == ""
    assert result.stderr.startswith("ingest clean: 2 in, 2 out, 0 errors, 1 came out empty in ")
    dropped = invoke(["clean", "--drop-empty", str(tmp_path)])
    assert [r["id"] for r in parse_jsonl(dropped.stdout)] == ["full.xml"]
    assert "1 came out empty (dropped)" in dropped.stderr


def test_an_html_page_that_extracts_to_nothing_is_counted_and_flagged(tmp_path: Path) -> None:
    markup_only = tmp_path / "scripts.html"
    markup_only.write_text(
        "<html><head><script>var x = 1;</script></head><body><div></div></body></html>"
    )
    result = run_ingest(["clean", str(DATA / "html" / "no_article.html"), str(markup_only)])
    assert result.returncode == 0
    reasons = {r["id"]: r["metadata"]["empty_reason"] for r in parse_jsonl(result.stdout)}
    assert reasons == {"no_article.html": "no main content", "scripts.html": "only markup"}
    assert "2 came out empty" in result.stderr.decode()
    [record] = parse_jsonl(run_ingest(["run", str(DATA / "html" / "no_article.html")]).stdout)
    assert record["metadata"]["empty_reason"] == "no main content"
    dropped = run_ingest(["run", "--drop-empty", str(DATA / "html" / "no_article.html")])
    assert dropped.stdout == b""
    assert "1 came out empty (dropped)" in dropped.stderr.decode()


def test_every_cleaned_record_has_an_empty_reason() -> None:
    records = [
        Record("a", "A sentence of text that stays in the record."),
        Record("b", "  \n "),
        Record("c", "<html><body><p></p></body></html>", metadata={"content_type": "html"}),
    ]
    stats = CleanStats()
    cleaned = list(clean_records(records, CleanConfig(), stats))
    assert [r.metadata["empty_reason"] for r in cleaned] == ["", "empty document", "only markup"]
    assert stats.empty == 2
    kept = list(clean_records([Record("b", " ")], CleanConfig(drop_empty=True)))
    assert kept == []


def test_cleaning_a_feed_twice_keeps_its_items(tmp_path: Path) -> None:
    items = items_of(["bbc-1", "liberation-1"])
    path = tmp_path / "feed.xml"
    path.write_bytes(feed_bytes(rss20(items), "utf-8"))
    once = invoke(["clean", str(path)]).stdout
    twice = invoke(["clean"], input=once).stdout
    assert parse_jsonl(twice) == parse_jsonl(once)
    stories = stories_of(parse_jsonl(invoke(["split"], input=twice).stdout))
    assert [s["metadata"]["title"] for s in stories] == [i.title for i in items]


def test_a_dated_item_keeps_its_date_and_an_undated_one_does_not_take_the_feeds() -> None:
    xml = (
        '<rss version="2.0"><channel><title>T</title><lastBuildDate>Mon, 01 Jan 2024 00:00:00 GMT'
        "</lastBuildDate><item><title>Dated</title><pubDate>Tue, 02 Jan 2024 10:00:00 +0200</pubDate>"
        "</item><item><title>Undated</title></item></channel></rss>"
    )
    record = clean_record(Record("f", xml, metadata={"content_type": "feed"}))
    assert record.metadata["date"] == "2024-01-01T00:00:00Z"
    stories = list(split_records([record]))
    assert [s.metadata["date"] for s in stories] == ["2024-01-02T08:00:00Z", ""]


def test_feeds_are_recognised_by_their_root_element() -> None:
    assert is_feed(
        '\ufeff<?xml version="1.0"?>\n<?xml-stylesheet href="s.xsl"?>\n<rss version="2.0">'
    )
    assert is_feed('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">')
    assert is_feed("<!-- generator --><feed xml:lang='en' xmlns='http://www.w3.org/2005/Atom'>")
    assert not is_feed('<?xml version="1.0"?><feed><entry/></feed>')  # not Atom's namespace
    assert not is_feed('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">')
    assert not is_feed("An article about <rss> feeds.")


def test_html_inside_items_becomes_paragraphs() -> None:
    assert html_to_text("<div><p>One</p><ul><li>two</li><li>three</li></ul></div>") == (
        "One\n\ntwo\n\nthree"
    )
    feed = parse_feed(
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">A &amp;lt;b&amp;gt;'
        '</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body'
        " <b>bold</b></p><p>More … Read more</p></div></content></entry></feed>"
    )
    [item] = feed.items
    assert item.title == "A <b>"
    assert item.text == "Body bold\n\nMore …"


def test_split_alone_cuts_a_raw_feed(tmp_path: Path) -> None:
    items = items_of(["qq", "hukumusume"])
    path = tmp_path / "raw.atom"
    path.write_bytes(feed_bytes(atom10(items), "shift_jis", declared="utf-8"))
    result = invoke(["split", str(path)])
    assert result.exit_code == 0
    stories = stories_of(parse_jsonl(result.stdout))
    assert [s["metadata"]["title"] for s in stories] == [i.title for i in items]
    assert [s["metadata"]["date"] for s in stories] == [i.iso_date for i in items]
    assert {s["metadata"]["content_type"] for s in stories} == {"text"}
    # Cleaned again, the stories are text, not feeds to parse (which would empty them).
    again = parse_jsonl(invoke(["clean"], input=result.stdout).stdout)
    assert [r["metadata"]["empty_reason"] for r in again] == ["", ""]
    assert items[1].paragraphs[-1][:40] in again[1]["text"]


def test_html_nested_deeper_than_the_parser_goes_keeps_its_words() -> None:
    assert html_to_text("<div>" * 3000 + "Deep words stay.") == "Deep words stay."


def test_entities_declared_in_a_feed_are_not_expanded_or_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    lol = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(2, 10))
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY lol1 "lol">{lol}'
        f'<!ENTITY xxe SYSTEM "file://{secret}">]>\n<rss version="2.0"><channel><title>T</title>'
        "<item><title>Laughs &lol9; &xxe;</title><description>Some text.</description></item>"
        "</channel></rss>"
    )
    path = tmp_path / "lol.xml"
    path.write_text(xml)
    [story] = parse_jsonl(run_split(path))
    assert "do not read me" not in story["metadata"]["title"]
    assert len(story["metadata"]["title"]) < 100


def test_a_document_emptied_by_repeated_line_removal_says_so(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Subscribe to our newsletter for the latest updates today.\n")
    (tmp_path / "c.txt").write_text(
        "A story of its own, told in a sentence that is not repeated.\n"
    )
    result = invoke(["clean", "--repeated-lines", "2", str(tmp_path)])
    reasons = {r["id"]: r["metadata"]["empty_reason"] for r in parse_jsonl(result.stdout)}
    assert reasons == {"a.txt": "only repeated lines", "b.txt": "only repeated lines", "c.txt": ""}
    assert "2 came out empty" in result.stderr


# Items made to test what normalizing could still change once each piece is normalized:
# mojibake, double-escaped entities, a combining mark opening a text, a "read more" marker,
# controls and a terminal title, odd and repeated spaces, a title repeated as the text's
# first line.
AWKWARD_ITEMS = [
    ("Caf\u00c3\u00a9 opens", "<p>Tom &amp;amp; Jerry\u00a0\u00a0at the caf\u00c3\u00a9.</p>"),
    ("\u0301Accent first", "\u0301e\u0301 starts with a mark. <a href='/x'>Read more \u00bb</a>"),
    ("Controls\x07 here", "<p>Bell\x07 and \x1b]0;title\x07terminal title</p><p>  </p>"),
    ("Same title", "<p>Same title</p><p>Then the   story &lt;b&gt;, in\tfull.</p>"),
    ("", "<div>No title, <br>a break<br/><br/>and more\u2028after.</div>"),
]


def _awkward_feed() -> str:
    body = "".join(
        f"<item><title>{esc(title)}</title><link>https://example.org/{n}</link>"
        f"<description>{esc(text)}</description></item>"
        for n, (title, text) in enumerate(AWKWARD_ITEMS)
    )
    return f'<rss version="2.0"><channel><title>Example News</title>{body}</channel></rss>'


FEED_TEXTS = {
    **{f"{f}-{e}": WRITERS[f](items_of(ENCODED[e])) for f in FLAVOURS for e in ("utf-8", "koi8-r")},
    "awkward": _awkward_feed(),
}
OPTION_SETS = [(True, True), (True, False), (False, True), (False, False)]


@pytest.mark.parametrize("name", FEED_TEXTS)
def test_a_feeds_text_is_normalized_once_by_parse_feed(name: str) -> None:
    # clean_record does not normalize a feed's text again: each of its pieces was, and the
    # blank lines between them leave nothing for a second pass to change.
    from ingest.clean.feed import feed_text
    from ingest.clean.normalize import normalize_text

    for repair, entities in OPTION_SETS:
        text = feed_text(parse_feed(FEED_TEXTS[name], repair=repair, entities=entities))
        assert text
        assert normalize_text(text, repair=repair, entities=entities) == (text, [])


@pytest.mark.parametrize("options", [[], ["--no-repair"], ["--keep-entities"], ["--explain"]])
def test_an_awkward_feed_cleans_to_normalized_text_through_the_cli(
    tmp_path: Path, options: list[str]
) -> None:
    from ingest.clean.normalize import normalize_text

    (tmp_path / "news.rss").write_text(_awkward_feed(), encoding="utf-8")
    result = invoke(["clean", "-q", *options, str(tmp_path / "news.rss")])
    assert result.exit_code == 0, result.stderr
    [record] = parse_jsonl(result.stdout)
    repair, entities = "--no-repair" not in options, "--keep-entities" not in options
    assert normalize_text(record["text"], repair=repair, entities=entities) == (record["text"], [])
    assert ("at the café." in record["text"]) is repair
    config = CleanConfig(repair_mojibake=repair, unescape_entities=entities)
    [again] = clean_records([Record.from_dict(record)], config)
    assert again.text == record["text"]


@pytest.mark.parametrize("flavour", ["rss20", "atom10"])
def test_each_items_date_and_author_reach_its_story_from_a_raw_or_a_cleaned_feed(
    tmp_path: Path, flavour: str
) -> None:
    """clean puts each item's date and author in ``metadata.items``; split gives them to the
    stories, the same whether it splits the cleaned record or the raw feed itself."""
    items = items_of(ENCODED["utf-8"])
    path = tmp_path / "news.xml"
    path.write_bytes(feed_bytes(WRITERS[flavour](items), "utf-8"))
    [cleaned] = clean_records(read_records([str(path)]))
    expected = [(expected_date(flavour, i), i.author) for i in items]
    assert [(e["date"], e["author"]) for e in cleaned.metadata["items"]] == expected
    raw = stories_of([r.to_dict() for r in split_records(read_records([str(path)]))])
    assert [(s["metadata"]["date"], s["metadata"]["author"]) for s in raw] == expected
    through_clean = stories_of(parse_jsonl(run_split(path)))
    from_raw = stories_of(parse_jsonl(invoke(["split", str(path)]).stdout))
    for stories in (through_clean, from_raw):
        assert [(s["metadata"]["date"], s["metadata"]["author"]) for s in stories] == expected
