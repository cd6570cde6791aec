"""``ingest run`` end to end on a small scrape of two sites: HTML and text, a listing page, a
story syndicated by both sites in their own templates, and pages in other encodings."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import ROOT, invoke, parse_jsonl

sys.path.insert(0, str(ROOT / "benchmarks"))
from extraction_pages import STORY_000, STORY_004, author_tags, classic, cookie_share

LISTING = """<html><head><title>Latest</title><link rel="canonical" href="https://site-a.example/news/"></head>
<body><nav><a href="/">Home</a> <a href="/news/">News</a></nav><h1>Latest</h1>
<p>Our reports from the Council this week.</p>
<ul class="news">
<li><h3><a href="/news/1.html">Council opens new session in Geneva</a></h3><p>The UN Human Rights Council opened its session on Monday with a debate on poverty and development.</p><a href="/news/1.html">[more..]</a></li>
<li><h3><a href="/news/2.html">Experts discuss rights of migrant children</a></h3><p>A seminar on the rights of migrant children was held online on Tuesday with experts from ten countries.</p><a href="/news/2.html">[more..]</a></li>
<li><h3><a href="/news/3.html">Forum on rural development held in Beijing</a></h3><p>Scholars from twelve countries met in Beijing to share their experience of rural growth and poverty relief.</p><a href="/news/3.html">[more..]</a></li>
</ul><footer>Copyright 2023 Site A</footer></body></html>"""


def with_canonical(page: str, url: str) -> str:
    return page.replace("</head>", f'<link rel="canonical" href="{url}"></head>', 1)


def test_run_on_a_two_site_scrape(tmp_path: Path) -> None:
    site_a, site_b = tmp_path / "site-a", tmp_path / "site-b"
    site_a.mkdir()
    site_b.mkdir()
    title = "Chinese groups take part in human rights talks in Geneva"
    (site_a / "geneva.html").write_text(
        with_canonical(classic(title, STORY_004), "https://site-a.example/geneva.html")
    )
    # The same story on site B, in another template, saved as Windows-1252.
    copy = with_canonical(author_tags(title, STORY_004), "https://site-b.example/2023/geneva.html")
    (site_b / "geneva-copy.html").write_bytes(
        copy.replace('charset="utf-8"', 'charset="windows-1252"').encode(
            "cp1252", "xmlcharrefreplace"
        )
    )
    (site_b / "other.html").write_text(
        with_canonical(
            cookie_share("Speakers call for unity", STORY_000[:4]),
            "https://site-b.example/unity.html",
        )
    )
    (site_a / "index.html").write_text(LISTING)
    (site_b / "digest.txt").write_text(
        (ROOT / "samples" / "001_9deb5f9e748d8588.txt").read_text(), encoding="utf-16"
    )
    clusters = tmp_path / "clusters.jsonl"
    result = invoke(["run", str(tmp_path), "--clusters", str(clusters)])
    assert result.exit_code == 0, result.stderr
    records = parse_jsonl(result.stdout_bytes)
    ids = [r["id"] for r in records]
    assert "site-b/geneva-copy.html" not in ids  # the syndicated copy is gone
    assert "site-a/geneva.html" in ids and "site-b/other.html" in ids
    listing = [r for r in records if r["metadata"]["parent_id"] == "site-a/index.html"]
    assert [r["metadata"]["title"] for r in listing if r["metadata"]["role"] == "story"] == [
        "Council opens new session in Geneva",
        "Experts discuss rights of migrant children",
        "Forum on rural development held in Beijing",
    ]
    assert listing[1]["metadata"]["url"] == "https://site-a.example/news/1.html"
    digest = [r for r in records if r["metadata"]["parent_id"] == "site-b/digest.txt"]
    assert len(digest) == 1 + 8 and digest[0]["metadata"]["encoding"] == "utf-16-le"
    geneva = next(r for r in records if r["id"] == "site-a/geneva.html")
    assert geneva["metadata"]["title"] == title
    assert geneva["text"].split("\n\n") == STORY_004
    (cluster,) = parse_jsonl(clusters.read_bytes())
    assert [m["id"] for m in cluster["members"]] == [
        "site-a/geneva.html",
        "site-b/geneva-copy.html",
    ]
    # clean took both templates away: what is left is the same text, an exact copy
    assert "1 exact and 0 near duplicates removed" in result.stderr
