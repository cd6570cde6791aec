"""``ingest clean`` part 2 on HTML pages: main content, metadata, listings (#4)."""

from __future__ import annotations

from pathlib import Path

from .conftest import invoke, parse_jsonl

HTML = Path(__file__).parent / "data" / "html"
SAMPLE_TEXT = Path(__file__).parent.parent / "samples" / "000_7ff7f7698b103f4f.txt"
CHROME = [
    "cookies",
    "Accept all",
    "World China Business",
    "Home",
    "Related stories",
    "Copyright",
    "Tweet",
]


def clean_page(name: str) -> dict:
    result = invoke(["clean", "-q", str(HTML / name)])
    assert result.exit_code == 0, result.stderr
    (record,) = parse_jsonl(result.stdout_bytes)
    return record


def test_article_keeps_the_story_and_moves_metadata_out() -> None:
    record = clean_page("article.html")
    metadata = record["metadata"]
    assert metadata["title"] == "Geneva forum discusses NGO role in human rights"
    assert metadata["date"] == "2023-03-15"
    assert metadata["author"] == "Li Wen"
    assert metadata["url"] == "https://news.example.com/world/2023/03/15/geneva-forum.html"
    assert metadata["content_type"] == "text"
    paragraphs = record["text"].split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Representatives from international")
    assert paragraphs[2].endswith("earthquakes in Turkiye and Syria.")
    for chrome in CHROME:
        assert chrome not in record["text"], chrome
    assert not record["text"].startswith(metadata["title"])


def test_listing_keeps_every_title_and_teaser_in_order_with_boundaries() -> None:
    record = clean_page("listing.html")
    items = record["metadata"]["items"]
    assert [i["title"] for i in items] == [
        "Western countries should stop double standards on human rights",
        "Experts discuss Xinjiang employment, labor rights at seminar",
        "Virtual seminar focuses on human rights cooperation under Belt and Road",
    ]
    assert [i["url"] for i in items] == [
        "https://society.example.org/news/2021/commentary.html",
        "https://society.example.org/news/2021/seminar-xinjiang.html",
        "https://society.example.org/news/2021/belt-road.html",
    ]
    text = record["text"]
    for item in items:
        assert text[item["start"] :].startswith(item["title"])
    assert text.startswith("The 46th session of the UN Human Rights Council opened")
    assert "Over 20 Chinese and foreign scholars" in text[items[2]["start"] : items[2]["end"]]
    assert "[more..]" not in text and "Read more" not in text and "More>>" not in text
    assert record["metadata"]["date"] == ""  # no date on the page: none guessed from links


def test_page_without_an_article_gives_empty_text() -> None:
    record = clean_page("no_article.html")
    assert record["text"] == ""
    assert record["metadata"]["title"] == "Sitemap"


def test_article_with_a_list_keeps_the_list() -> None:
    record = clean_page("article_with_list.html")
    assert "- Spending on public hospitals rises by six percent over last year." in record["text"]
    # No plain-text rule runs on trafilatura's text (#10): its last line stays as it is.
    assert record["text"].endswith("lagged behind the cities for a decade. Read more")
    assert record["metadata"]["items"] == []


def test_gbk_page_with_true_meta_charset(tmp_path: Path) -> None:
    story = "联合国人权理事会第四十八届会议九月十三日在日内瓦开幕。十多个中国社会组织通过视频方式参加了讨论。"
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>人权理事会开幕</title></head><body><nav>首页 | 新闻</nav><article><h1>人权理事会开幕</h1>"
        f"<p>{story}</p><p>{story}</p></article><footer>版权所有</footer></body></html>"
    )
    (tmp_path / "zh.htm").write_bytes(page.encode("gbk"))
    record = parse_jsonl(invoke(["clean", "-q", str(tmp_path / "zh.htm")]).stdout_bytes)[0]
    assert record["metadata"]["encoding"] == "gb18030"
    assert record["metadata"]["declared_encoding"] == "gb2312"
    assert record["metadata"]["title"] == "人权理事会开幕"
    assert record["text"] == f"{story}\n\n{story}"


def test_html_in_jsonl_input_is_extracted_too(tmp_path: Path) -> None:
    import json

    html = (HTML / "article.html").read_text()
    (tmp_path / "pages.jsonl").write_text(
        json.dumps({"id": "p1", "text": html, "content_type": "html"}) + "\n"
    )
    record = parse_jsonl(invoke(["clean", "-q", str(tmp_path / "pages.jsonl")]).stdout_bytes)[0]
    assert record["metadata"]["title"] == "Geneva forum discusses NGO role in human rights"
    assert "<p>" not in record["text"]


def test_very_deep_page_keeps_its_text(tmp_path: Path) -> None:
    sentence = "Deep text that is long enough to be a sentence of the article."
    page = (
        "<html><body>" + "<div>" * 5000 + f"<p>{sentence}</p>" + "</div>" * 5000 + "</body></html>"
    )
    (tmp_path / "deep.html").write_text(page)
    result = invoke(["clean", "-q", str(tmp_path / "deep.html")])
    assert result.exit_code == 0
    assert parse_jsonl(result.stdout_bytes)[0]["text"] == sentence


def test_html_file_without_tags_is_read_as_text(tmp_path: Path) -> None:
    (tmp_path / "note.html").write_text("Just a short note, saved with the wrong suffix.")
    record = parse_jsonl(invoke(["clean", "-q", str(tmp_path / "note.html")]).stdout_bytes)[0]
    assert record["text"] == "Just a short note, saved with the wrong suffix."


def test_malformed_pages_do_not_fail(tmp_path: Path) -> None:
    pages = {
        "empty.html": "<html></html>",
        "scripts.html": "<html><script>var a = 1;</script></html>",
        "unclosed.html": "<html><body><p>Unclosed <b>bold <div>text long enough to be a sentence here.</p>",
        "binaryish.html": "<html>\x01\x02<body><p>Text between control characters, long enough to count.</p></body></html>",
    }
    for name, page in pages.items():
        (tmp_path / name).write_text(page)
    result = invoke(["clean", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    texts = {r["id"]: r["text"] for r in parse_jsonl(result.stdout_bytes)}
    assert texts["empty.html"] == texts["scripts.html"] == ""
    assert texts["unclosed.html"].startswith("Unclosed bold text long enough")
    assert texts["binaryish.html"] == "Text between control characters, long enough to count."


def test_article_with_a_box_of_related_teasers_stays_an_article(tmp_path: Path) -> None:
    story = [
        "Representatives from international and non-governmental organizations attended a forum in Geneva on Tuesday to discuss the participation of civil society in human rights work.",
        "The meeting was held on the sidelines of the 52nd session of the United Nations Human Rights Council, and was co-hosted by five organizations from China and Switzerland.",
        "Delegates said that social organizations need to consider human rights protection from different perspectives, and offered to cooperate on relief work after the earthquakes.",
        "Representatives of the network held in-depth discussions with participants on exchanges and mutual understanding between countries, and on cultural and development rights.",
    ]
    box = "".join(
        f'<div class="teaser"><a href="/r{n}">Related story number {n} about the session</a><p>A short teaser of this related story, with a few words.</p></div>'
        for n in range(3)
    )
    page = f"<html><head><title>Forum in Geneva</title></head><body><article><h1>Forum in Geneva</h1>{''.join(f'<p>{p}</p>' for p in story)}<div class='more-stories'>{box}</div></article></body></html>"
    (tmp_path / "article.html").write_text(page)
    record = parse_jsonl(invoke(["clean", "-q", str(tmp_path / "article.html")]).stdout_bytes)[0]
    assert record["metadata"]["items"] == []
    assert record["text"].startswith(story[0])
    assert (
        len(parse_jsonl(invoke(["split", "-q", str(tmp_path / "article.html")]).stdout_bytes)) == 1
    )


# A page's source wraps text over lines; a browser shows those breaks as spaces.
WRAPPED = """<html><head><title>Budget</title></head><body><article><h1>Council budget</h1>
<div>
    The council met on Tuesday evening to discuss the budget for the coming year,
    and members spoke for three hours about the parks, the roads and the schools.
</div>
<p>Residents were told:
<ul>
  <li>
     the library will open on Sundays from the first of May next year onwards
  </li>
  <li>the pool closes for repairs</li>
</ul>
<p>First line of the address<br>
   Second line of the address, after a break in the page</p>
<pre>def budget():
    return 42</pre>
<p>The mayor thanked everyone who came to the long meeting in the town hall.</p>
</article></body></html>"""
WRAPPED_PARAGRAPHS = [
    "The council met on Tuesday evening to discuss the budget for the coming year, and members"
    " spoke for three hours about the parks, the roads and the schools.",
    "Residents were told:",
    "- the library will open on Sundays from the first of May next year onwards",
    "- the pool closes for repairs",
    "First line of the address",  # <br>, <pre> and blocks still break lines
    "Second line of the address, after a break in the page",
    "def budget():",
    "return 42",
    "The mayor thanked everyone who came to the long meeting in the town hall.",
]


def test_lines_wrapped_in_the_source_are_one_paragraph(tmp_path: Path) -> None:
    from ingest.clean.html import extract_html

    assert extract_html(WRAPPED).text.split("\n\n") == WRAPPED_PARAGRAPHS
    (tmp_path / "wrapped.html").write_text(WRAPPED)
    result = invoke(["clean", "-q", str(tmp_path / "wrapped.html")])
    assert result.exit_code == 0, result.stderr
    (record,) = parse_jsonl(result.stdout_bytes)
    assert record["text"].split("\n\n") == WRAPPED_PARAGRAPHS


def test_a_menu_page_is_still_told_by_its_link_lines() -> None:
    # the menu test reads trafilatura's lines (one link each), before the source's line
    # breaks between the links become spaces
    assert clean_page("no_article.html")["text"] == ""


def test_the_pieces_of_trafilaturas_fallback_stay_lines_of_their_own() -> None:
    # a short page takes trafilatura's fallback, which joins the texts it finds with a bare
    # line break: those are not the source's breaks, and stay paragraph breaks
    from ingest.clean.html import extract_html

    paragraphs = [
        "東京都は来年度の予算案を発表し、子育て支援と防災対策に重点を置くと説明した。",
        "知事は記者会見で、新しい公園の整備と古い橋の修理を急ぐ考えを示した。",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        "<html><head><title>予算案</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>予算案</h1>{body}</article></body></html>"
    )
    assert extract_html(html).text.split("\n\n")[-2:] == paragraphs


def test_cleaning_a_cleaned_page_again_changes_nothing() -> None:
    # the record carries clean's own metadata: its page is not extracted again, nor are the
    # plain-text rules run on the article (they cut a digest's last story, list markers,
    # code lines), and its items keep pointing at their stories
    for page in ["front_page.html", "article_with_list.html", "readability/bbc-1/source.html"]:
        once = invoke(["clean", "-q", str(HTML / page)])
        assert once.exit_code == 0, once.stderr
        twice = invoke(["clean", "-q"], input=once.stdout_bytes)
        assert twice.exit_code == 0, twice.stderr
        assert parse_jsonl(twice.stdout_bytes) == parse_jsonl(once.stdout_bytes), page
    cleaned = invoke(["clean", "-q", str(HTML / "front_page.html")]).stdout_bytes
    cleaned_twice = invoke(["clean", "-q"], input=cleaned).stdout_bytes
    stories = parse_jsonl(invoke(["split", "-q"], input=cleaned_twice).stdout_bytes)
    assert [s["metadata"]["role"] for s in stories] == ["story"] * 6
    # with --explain, what the first run removed stays listed
    once = invoke(["clean", "-q", "--explain", str(SAMPLE_TEXT)]).stdout_bytes
    twice = invoke(["clean", "-q", "--explain"], input=once).stdout_bytes
    assert parse_jsonl(twice) == parse_jsonl(once) and parse_jsonl(once)[0]["metadata"]["removed"]


def test_a_page_that_styles_text_to_keep_its_line_breaks_keeps_them() -> None:
    # white-space: pre-wrap (a poem, an address): the source's breaks are the text's lines
    from ingest.clean.html import extract_html

    poem = "Down by the river\n    the willows bend low,\nUp on the hill\n    the cold winds blow."
    html = (
        "<html><head><title>Autumn</title></head><body><article><h1>Autumn</h1>"
        "<p>A short poem about the autumn wind, written for the paper this week by a reader.</p>"
        f'<div class="poem" style="white-space: pre-wrap">{poem}</div>'
        "<p>The reader lives in the old mill house by the bridge, where she has written.</p>"
        "</article></body></html>"
    )
    lines = extract_html(html).text.split("\n\n")
    assert lines[1:5] == [line.strip() for line in poem.split("\n")]
    # CSS names are case-insensitive; and only the styled text keeps its breaks: the
    # article's wrapped prose around it is still joined
    shouting = html.replace("white-space: pre-wrap", "WHITE-SPACE: PRE-WRAP")
    assert extract_html(shouting).text.split("\n\n")[1:5] == lines[1:5]
    code = "<aside><code style='white-space: pre'>npm i x</code></aside></article>"
    assert (
        extract_html(WRAPPED.replace("</article>", code)).text.split("\n\n")[0]
        == (WRAPPED_PARAGRAPHS[0])
    )
