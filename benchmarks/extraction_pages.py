"""Labeled HTML pages for the extraction benchmark: 26 layouts written by hand.

Each layout is a real-world page shape (semantic HTML5, div soup, an old table layout, a
blog with comments, pages with cookie banners, share bars, ads between paragraphs, related
stories, author boxes, paywall prompts, <br>-separated text, a data table, CJK pages in
UTF-8 and GBK...). The article inside is known text, so the ground truth of every page is
written down: exactly the paragraphs (and list items, table cells, subheadings) of the story.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Page:
    name: str
    html: bytes
    truth: str  # the article's text, paragraph per line
    language: str


def _paragraphs(name: str) -> list[str]:
    text = (ROOT / "samples" / name).read_text(encoding="utf-8")
    return [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) > 12]


TEXTS = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text())
ZH = json.loads((ROOT / "tests" / "data" / "zh_stories.json").read_text())
STORY_000 = _paragraphs("000_7ff7f7698b103f4f.txt")
STORY_004 = _paragraphs("004_687f5bdfc5dfbd6b.txt")
STORY_003 = [
    line.strip()
    for line in (ROOT / "samples" / "003_b354eb1718a7a74f.txt").read_text().splitlines()[1:]
    if line.strip()
]

NAV = '<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/china">China</a></li><li><a href="/business">Business</a></li><li><a href="/opinion">Opinion</a></li><li><a href="/video">Video</a></li></ul></nav>'
COOKIE = '<div class="cookie-banner" id="cookie-consent">We use cookies to personalise content and ads and to analyse our traffic. By clicking Accept you agree to our use of cookies. <a href="/privacy">Privacy policy</a> <button>Accept</button></div>'
SHARE = '<div class="share-buttons"><a href="#">Share on Facebook</a> <a href="#">Tweet</a> <a href="#">WhatsApp</a> <a href="#">Email this article</a></div>'
RELATED = '<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Council ends session with record number of resolutions adopted</a></li><li><a href="/b">Experts urge more funding for rural schools in poor regions</a></li><li><a href="/c">New bridge opens to traffic after three years of construction</a></li></ul></aside>'
FOOTER = '<footer class="site-footer"><p>Copyright © 2023 Example Media Group. All rights reserved.</p><p><a href="/about">About us</a> | <a href="/contact">Contact</a> | <a href="/terms">Terms of use</a> | <a href="/privacy">Privacy</a></p></footer>'
NEWSLETTER = '<div class="newsletter-box"><h4>Get our morning briefing</h4><p>Sign up for our free newsletter and receive the top stories of the day in your inbox every morning before breakfast.</p><form><input type="email"><button>Subscribe</button></form></div>'
AD = '<div class="ad-slot">Advertisement</div>'
COMMENTS = '<section id="comments" class="comments"><h3>3 comments</h3><div class="comment"><p>Great article, thanks for sharing this with us. I had not heard about this meeting before.</p></div><div class="comment"><p>I disagree with the conclusions of the report and I think the numbers are not reliable at all.</p></div><div class="comment"><p>Where can I find the full text of the resolution that was adopted at the end?</p></div></section>'
AUTHOR_BOX = '<div class="author-bio"><img src="a.jpg"><p>Li Wen is a correspondent based in Geneva who covers the United Nations and international organizations.</p></div>'
TAGS = '<div class="tags">Tags: <a href="/t/un">UN</a> <a href="/t/rights">Human rights</a> <a href="/t/geneva">Geneva</a></div>'
PAYWALL = '<div class="paywall-prompt"><p>You have read 3 of your 5 free articles this month. Subscribe now for unlimited access to all our journalism.</p></div>'


def head(title: str, charset: str = "utf-8", extra: str = "") -> str:
    return f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title} | Example News</title>{extra}</head>'


def ps(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def classic(t: str, p: list[str]) -> str:
    return f"{head(t)}<body><header>{NAV}</header><main><article><h1>{t}</h1>{ps(p)}</article>{RELATED}</main>{FOOTER}</body></html>"


def blog_with_comments(t: str, p: list[str]) -> str:
    return f'{head(t)}<body><div id="header"><a href="/">My Blog</a>{NAV}</div><div id="main"><div class="post"><h2 class="post-title">{t}</h2><div class="post-meta">Posted on March 15, 2023 by admin</div><div class="entry-content">{ps(p)}</div></div>{COMMENTS}</div><div id="sidebar"><h3>Archives</h3><ul><li><a href="/2023/03">March 2023</a></li><li><a href="/2023/02">February 2023</a></li></ul></div>{FOOTER}</body></html>'


def div_soup(t: str, p: list[str]) -> str:
    body = "".join(f'<div class="txt">{x}</div>' for x in p)
    return f'{head(t)}<body><div class="top"><div class="menu"><a href="/">Home</a> <a href="/n">News</a> <a href="/s">Sports</a></div></div><div class="wrap"><div class="left"><div class="ttl">{t}</div>{body}</div><div class="right"><div class="box"><a href="/x">Most read: Weather warning issued for coastal areas tonight</a></div><div class="box"><a href="/y">Most read: Stocks close higher after central bank decision</a></div></div></div><div class="bottom">Copyright 2023 Example. All rights reserved.</div></body></html>'


def table_layout(t: str, p: list[str]) -> str:
    return f'{head(t)}<body><table width="100%"><tr><td colspan="2"><img src="logo.gif"> <a href="/">Home</a> | <a href="/news">News</a> | <a href="/about">About</a></td></tr><tr><td width="20%" valign="top"><a href="/a">Archive</a><br><a href="/b">Links</a><br><a href="/c">Contact</a></td><td valign="top"><font size="5"><b>{t}</b></font>{ps(p)}</td></tr><tr><td colspan="2">Copyright 2003-2023 Example Society</td></tr></table></body></html>'


def cookie_share(t: str, p: list[str]) -> str:
    return f"{head(t)}<body>{COOKIE}<header>{NAV}</header><article><h1>{t}</h1>{SHARE}{ps(p)}{SHARE}</article>{FOOTER}</body></html>"


def related_inside(t: str, p: list[str]) -> str:
    return f'{head(t)}<body>{NAV}<article><h1>{t}</h1>{ps(p)}<div class="related-inline"><strong>Read also:</strong> <a href="/r1">Forum discusses the role of civil society</a> <a href="/r2">Envoy calls for cooperation on poverty reduction</a></div></article>{FOOTER}</body></html>'


def with_figure(t: str, p: list[str]) -> str:
    figure = '<figure><img src="photo.jpg"><figcaption>Delegates at the opening of the session. (Photo: Example)</figcaption></figure>'
    return (
        f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{figure}{ps(p)}</article>{FOOTER}</body></html>"
    )


def with_blockquote(t: str, p: list[str]) -> str:
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{ps(p[:1])}<blockquote><p>{p[1]}</p></blockquote>{ps(p[2:])}</article>{FOOTER}</body></html>"


def with_list(t: str, p: list[str]) -> str:
    items = "".join(f"<li>{x}</li>" for x in p[1:4])
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{ps(p[:1])}<ul>{items}</ul>{ps(p[4:])}</article>{RELATED}{FOOTER}</body></html>"


def with_subheadings(t: str, p: list[str]) -> str:
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{ps(p[:2])}<h2>The meeting</h2>{ps(p[2:4])}<h2>What comes next</h2>{ps(p[4:])}</article>{FOOTER}</body></html>"


def chinese_utf8(t: str, p: list[str]) -> str:
    nav = '<div class="nav"><a href="/">首页</a> | <a href="/gj">国际</a> | <a href="/gn">国内</a> | <a href="/cj">财经</a></div>'
    foot = '<div class="foot">版权所有 © 2023 示例新闻网 未经授权禁止转载</div>'
    return f'{head(t)}<body>{nav}<div class="main"><h1>{t}</h1><div class="info">2023-03-15 来源：示例新闻网</div><div class="content">{ps(p)}</div><div class="editor">责任编辑：王伟</div></div>{foot}</body></html>'


def ad_breaks(t: str, p: list[str]) -> str:
    body = AD.join(f"<p>{x}</p>" for x in p)
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{body}</article>{NEWSLETTER}{FOOTER}</body></html>"


def br_separated(t: str, p: list[str]) -> str:
    return f'{head(t)}<body><div id="nav"><a href="/">Home</a> &gt; <a href="/news">News</a></div><div id="content"><h3>{t}</h3><div class="article">{"<br><br>".join(p)}</div></div><div id="footer">Contact: editor@example.org</div></body></html>'


def author_tags(t: str, p: list[str]) -> str:
    return f'{head(t)}<body>{NAV}<article><h1>{t}</h1><p class="byline">By Li Wen, March 15, 2023</p>{ps(p)}{TAGS}{AUTHOR_BOX}</article>{RELATED}{FOOTER}</body></html>'


def script_heavy(t: str, p: list[str]) -> str:
    script = "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script>"
    style = "<style>.a{color:red}.b{margin:0 auto}</style>"
    return f"{head(t, extra=script + style)}<body>{script}{NAV}<div class='amp-article'><h1>{t}</h1>{script}{ps(p)}</div>{script}{FOOTER}</body></html>"


def sections(t: str, p: list[str]) -> str:
    half = len(p) // 2
    return f"{head(t)}<body><header>{NAV}</header><main><h1>{t}</h1><section>{ps(p[:half])}</section><section>{ps(p[half:])}</section></main><aside>{NEWSLETTER}</aside>{FOOTER}</body></html>"


def breadcrumbs_meta(t: str, p: list[str]) -> str:
    crumbs = '<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/news">News</a> &gt; <a href="/news/world">World</a></div>'
    tools = '<div class="tools"><a href="#">Print</a> | <a href="#">Email</a> | <a href="#">Font size</a></div>'
    return f'{head(t)}<body>{NAV}{crumbs}<div class="article"><h1>{t}</h1><div class="date">2023-03-15 09:30</div>{tools}{ps(p)}</div>{FOOTER}</body></html>'


def data_table(t: str, p: list[str]) -> str:
    rows = "<tr><th>Year</th><th>Population</th></tr><tr><td>1978</td><td>12.33 million</td></tr><tr><td>2018</td><td>24.86 million</td></tr>"
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{ps(p[:2])}<table>{rows}</table>{ps(p[2:])}</article>{FOOTER}</body></html>"


def paywall(t: str, p: list[str]) -> str:
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{ps(p[:2])}{PAYWALL}{ps(p[2:])}</article>{NEWSLETTER}{FOOTER}</body></html>"


def short_quotes(t: str, p: list[str]) -> str:
    return f"{head(t)}<body>{COOKIE}{NAV}<article><h1>{t}</h1>{ps(p)}</article>{COMMENTS}{FOOTER}</body></html>"


def sidebar_first(t: str, p: list[str]) -> str:
    return f'{head(t)}<body><div class="sidebar">{RELATED}{NEWSLETTER}</div><div class="content"><h1>{t}</h1>{ps(p)}</div>{FOOTER}</body></html>'


def editor_copyright(t: str, p: list[str]) -> str:
    return f'{head(t)}<body>{NAV}<div id="article"><h1>{t}</h1>{ps(p)}<p class="editor">Editor: Zhang Wei</p><p class="copy">(c) 2023 Example Daily. All rights reserved.</p></div>{RELATED}</body></html>'


def french(t: str, p: list[str]) -> str:
    nav = '<nav><a href="/">Accueil</a> <a href="/monde">Monde</a> <a href="/economie">Économie</a></nav>'
    foot = "<footer>© 2023 Exemple Médias. Tous droits réservés. <a href='/cgu'>Conditions d'utilisation</a></footer>"
    return f"{head(t)}<body>{nav}<article><h1>{t}</h1>{ps(p)}</article>{foot}</body></html>"


def refrain(t: str, p: list[str]) -> str:
    # a paragraph the story itself says twice in a row (a chorus, a chant, a repeated call)
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{ps(p[:2])}{ps([p[2], p[2]])}{ps(p[3:])}</article>{FOOTER}</body></html>"


def responsive_copy(t: str, p: list[str]) -> str:
    # the standfirst twice, one copy for small screens and one for large (a style sheet
    # hides one): the reader sees it once
    copies = f'<p class="standfirst standfirst--small">{p[0]}</p><p class="standfirst standfirst--large">{p[0]}</p>'
    return f"{head(t)}<body>{NAV}<article><h1>{t}</h1>{copies}{ps(p[1:])}</article>{FOOTER}</body></html>"


def truth_of(layout: Callable[[str, list[str]], str], t: str, p: list[str]) -> str:
    """What the article holds in each layout: its paragraphs, list items, headings, cells."""
    if layout is with_subheadings:
        return "\n".join([*p[:2], "The meeting", *p[2:4], "What comes next", *p[4:]])
    if layout is refrain:
        return "\n".join([*p[:3], p[2], *p[3:]])
    if layout is data_table:
        return "\n".join([*p[:2], "Year Population 1978 12.33 million 2018 24.86 million", *p[2:]])
    return "\n".join(p)


LAYOUTS: list[tuple[Callable[[str, list[str]], str], str, list[str], str, str]] = [
    (classic, "Chinese groups take part in human rights talks in Geneva", STORY_004, "en", "utf-8"),
    (
        blog_with_comments,
        "Social organizations speak at the 48th session",
        STORY_000,
        "en",
        "utf-8",
    ),
    (div_soup, "China's achievements praised at Council session", STORY_003[:8], "en", "utf-8"),
    (table_layout, "Forum on NGO participation held in Geneva", STORY_004, "en", "iso-8859-1"),
    (cookie_share, "Speakers call for unity against the epidemic", STORY_000[:5], "en", "utf-8"),
    (related_inside, "Representatives discuss human rights protection", STORY_004, "en", "utf-8"),
    (with_figure, "Guterres launches a call to action", STORY_003[1:7], "en", "utf-8"),
    (
        with_blockquote,
        "Countries should respect the right to choose",
        STORY_003[5:11],
        "en",
        "utf-8",
    ),
    (with_list, "Organizations share experience on poverty", STORY_000, "en", "utf-8"),
    (with_subheadings, "Session ends with calls for cooperation", STORY_000, "en", "utf-8"),
    (
        chinese_utf8,
        "联合国人权理事会第四十八届会议开幕",
        ZH["zh-council-opens"].split("\n\n"),
        "zh",
        "utf-8",
    ),
    (
        chinese_utf8,
        "减贫与人权保障国际研讨会举行",
        ZH["zh-poverty-seminar"].split("\n\n"),
        "zh",
        "gbk",
    ),
    (ad_breaks, "Symposium on anti-terrorism and human rights", STORY_003[10:16], "en", "utf-8"),
    (br_separated, "Experts condemn detention of migrant children", STORY_003[14:], "en", "utf-8"),
    (author_tags, "Deputies share experience in refugee relief", STORY_004, "en", "utf-8"),
    (script_heavy, "Photo exhibition shows life in Xinjiang", STORY_003[8:12], "en", "utf-8"),
    (sections, "Civil society and the right to development", STORY_000, "en", "utf-8"),
    (breadcrumbs_meta, "Forum held on the sidelines of the 52nd session", STORY_004, "en", "utf-8"),
    (data_table, "Population of Xinjiang doubled in forty years", STORY_000[:5], "en", "utf-8"),
    (paywall, "Chen Xu speaks at high-level panel", STORY_003[4:10], "en", "utf-8"),
    (short_quotes, "Delegates respond to criticism", STORY_003[11:15], "en", "utf-8"),
    (
        sidebar_first,
        "Tibet culture forum opens in Lhasa",
        ZH["zh-tibet-culture"].split("\n\n"),
        "zh",
        "utf-8",
    ),
    (
        editor_copyright,
        "Experts call for care for immigrant children",
        STORY_003[15:],
        "en",
        "utf-8",
    ),
    (
        french,
        "Ouverture de la session du Conseil à Genève",
        [TEXTS["fr"], TEXTS["fr_short"] + " Les débats ont duré toute la journée."],
        "fr",
        "utf-8",
    ),
    (
        refrain,
        "Marchers repeat the call for the right to development",
        STORY_000[:6],
        "en",
        "utf-8",
    ),
    (responsive_copy, "Council adopts resolution on poverty", STORY_004, "en", "utf-8"),
]


def pages() -> list[Page]:
    out = []
    for n, (layout, title, paragraphs, language, encoding) in enumerate(LAYOUTS):
        html = layout(title, paragraphs)
        if encoding != "utf-8":
            html = html.replace('charset="utf-8"', f'charset="{encoding}"')
        name = f"{n:02d}_{layout.__name__}"
        out.append(
            Page(
                name,
                html.encode(encoding, errors="xmlcharrefreplace"),
                truth_of(layout, title, paragraphs),
                language,
            )
        )
    return out
