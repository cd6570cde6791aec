"""A labeled development set for dedupe: real stories and syndication-style copies of them.

Base stories: every story of ``samples/`` after ``clean | split`` (English: three articles,
two digest introductions and 34 teasers) and ten Chinese stories
(``tests/data/zh_stories.json``), and four Korean and Japanese texts of uchardet's test
corpus (``tests/data/uchardet_cjk.json``, MPL 1.1). Each base story is published again by
other sites, as copies of the kinds in ``KINDS``; the label of a document is the story it
tells. Hard negatives come for free (the samples share topics and phrases, and so do the
Chinese stories) and on purpose: one site wraps twelve different short stories in the same
long footer; 80 different briefs (paragraphs of real pages of Mozilla Readability's tests,
``tests/data/readability_briefs.json``, Apache 2.0) sit in the frames of four sites whose
furniture sentences are picked and ordered anew on each page, some of them copied into
another site's frame; lead paragraphs are published alone next to their articles (#11).

    python benchmarks/dedupe_devset.py > devset.jsonl    # records, labels in metadata
    ingest dedupe devset.jsonl --clusters clusters.jsonl > deduped.jsonl
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import Record, clean_records, read_records, split_records  # noqa: E402

LIGHT = ("exact", "rewrap", "headline", "dateline", "header_footer")
MEDIUM = ("trim_last", "edit_words", "drop_sentences")
HEAVY = ("heavy",)
KINDS = LIGHT + MEDIUM + HEAVY
# Copies of a framed brief on another framed site: the same brief, or the brief edited.
FRAMED_KINDS = ("reframed", "reframed_edit")
GROUPS = {"light": (*LIGHT, "reframed"), "medium": (*MEDIUM, "reframed_edit"), "heavy": HEAVY}
# Sites with a template wrap every page they publish in their header and footer; the
# others publish plain text. Copies of the kinds that carry a site's chrome go to the first.
CHROME_SITES = ["daily.example", "portal.example"]
PLAIN_SITES = ["wire.example", "news.example", "times.example", "asia.example"]
CHROME_KINDS = ("header_footer", "heavy")
HEADERS = {
    "en": "Home | World | China | Business\nShare this story: Facebook Twitter Email",
    "zh": "首页 > 国际 > 新闻\n分享到：微博 微信",
    "ja": "ホーム > 国際 > ニュース\nこの記事を共有する",
    "ko": "홈 > 국제 > 뉴스\n이 기사 공유하기: 페이스북 트위터",
}
FOOTERS = {
    "en": (
        "{site} is an independent news service. Our reporting is funded by readers like you. "
        "Subscribe to our newsletter for the top stories every morning, follow us on social "
        "media, and contact the newsroom with tips at news@{site}."
    ),
    "zh": (
        "本网站所刊载信息，不代表本站观点。转载请注明出处{site}。"
        "欢迎关注我们的微信公众号，获取每日最新新闻资讯。"
    ),
    "ja": (
        "{site}に掲載された記事の無断転載を禁じます。"
        "毎朝のニュースレターで主要なニュースをお届けします。"
    ),
    "ko": (
        "이 기사의 저작권은 {site}에 있으며 무단 전재와 재배포를 금지합니다. "
        "뉴스레터를 구독하시면 매일 아침 주요 뉴스를 받아 보실 수 있습니다."
    ),
}
LONG_FOOTER = (
    "About this site: The Global Rights Observer publishes news, analysis and commentary on "
    "human rights, development and international cooperation from Geneva, New York and Beijing. "
    "The views expressed in articles are those of the authors and do not necessarily reflect "
    "the position of the editors. Articles may be reproduced for non-commercial purposes with "
    "attribution and a link to the original page. For corrections, write to the editors at "
    "editors@observer.example. Our privacy policy explains which data we collect when you "
    "visit the site, how long we keep it, and how to ask us to delete it. Sign up for the "
    "weekly digest to receive the most read stories of the week, the upcoming sessions of the "
    "Council, and selected reports from our correspondents in your inbox every Friday."
)
HEADLINES = {
    "en": [
        "What we know so far",
        "Officials respond",
        "In brief",
        "From our correspondent",
        "Latest",
    ],
    "zh": ["最新消息", "记者观察", "要闻速递", "新闻快讯", "深度报道"],
    "ja": ["最新ニュース", "解説", "速報"],
    "ko": ["최신 뉴스", "해설", "속보"],
}
DATELINES = {
    "en": "GENEVA, Sept. 14 (Xinhua) -- ",
    "zh": "新华社日内瓦9月14日电 ",
    "ja": "【東京＝共同】",
    "ko": "(서울=연합뉴스) ",
}
# Written without spaces: copies are cut and edited by character, not by word.
UNSPACED_LANGUAGES = ("zh", "ja")
SWAPS = {
    "said": "stated",
    "held": "organized",
    "countries": "nations",
    "development": "growth",
    "called": "urged",
    "achievements": "successes",
    "experts": "specialists",
    "meeting": "session",
    "people": "citizens",
    "international": "global",
    "Chinese": "China's",
    "protection": "safeguarding",
}
ZH_SWAPS = {
    "举行": "召开",
    "代表": "人士",
    "国际": "全球",
    "发展": "进步",
    "表示": "说",
    "认为": "指出",
    "会议": "大会",
}
SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    story: str  # the label: which base story this document tells
    kind: str  # "original", a kind of copy, "lead" or "footer-negative"
    language: str
    with_url: bool = True  # records of a scrape carry their URL; files in a folder do not


def base_stories() -> list[tuple[str, str, str]]:
    """(story id, text, language) of every base story."""
    # The seed pages only: samples/syndicated/ holds copies of them, not other stories.
    seeds = [str(p) for p in sorted((ROOT / "samples").glob("*.txt"))]
    records = split_records(clean_records(read_records(seeds)))
    stories = [(r.id, r.text, "en") for r in records if r.text]
    chinese = json.loads((ROOT / "tests" / "data" / "zh_stories.json").read_text())
    return stories + [(key, text, "zh") for key, text in chinese.items()]


def sentences(paragraph: str) -> list[str]:
    return [s for s in SENTENCE.split(paragraph) if s.strip()]


def join_sentences(parts: list[str], language: str) -> str:
    return ("" if language in UNSPACED_LANGUAGES else " ").join(parts)


def rewrap(text: str, language: str, rng: random.Random) -> str:
    width = rng.choice([40, 60, 72])
    lines = []
    unspaced = language in UNSPACED_LANGUAGES
    step = width // (1 if unspaced else 6)
    for paragraph in text.split("\n\n"):
        words = list(paragraph) if unspaced else paragraph.split()
        joiner = "" if unspaced else " "
        lines += [joiner.join(words[i : i + step]) for i in range(0, len(words), step)]
        lines.append("")
    return "\n".join(lines).replace(" ", "  ", 3).strip()


def edit_words(text: str, language: str, rng: random.Random, share: float) -> str:
    if language in UNSPACED_LANGUAGES:
        for old, new in ZH_SWAPS.items():
            if rng.random() < share * 6:
                text = text.replace(old, new, 1)
        chars = list(text)
        for _ in range(max(1, int(len(chars) * share / 2))):
            position = rng.randrange(len(chars))
            if "\u4e00" <= chars[position] <= "\u9fff":
                chars[position] = rng.choice("的了在是和有这为中大上个国")
        return "".join(chars)
    words = text.split(" ")
    for _ in range(max(1, int(len(words) * share))):
        position = rng.randrange(len(words))
        word = words[position]
        words[position] = SWAPS.get(word, word.upper() if rng.random() < 0.3 else word + "s")
    return " ".join(words)


def drop_sentences(text: str, language: str, rng: random.Random, share: float) -> str:
    paragraphs = [sentences(p) for p in text.split("\n\n")]
    flat = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p))]
    if len(flat) < 3:
        return text
    victims = set(rng.sample(flat[1:], max(1, int(len(flat) * share))))
    kept = [[s for j, s in enumerate(p) if (i, j) not in victims] for i, p in enumerate(paragraphs)]
    return "\n\n".join(join_sentences(p, language) for p in kept if p)


def trim_last(text: str, language: str) -> str:
    paragraphs = text.split("\n\n")
    if len(paragraphs) >= 3:
        return "\n\n".join(paragraphs[:-1])
    parts = sentences(paragraphs[-1])
    if len(parts) >= 3:
        paragraphs[-1] = join_sentences(parts[:-1], language)
    return "\n\n".join(paragraphs)


def wrap_site(text: str, language: str, site: str) -> str:
    return f"{HEADERS[language]}\n\n{text}\n\n{FOOTERS[language].format(site=site)}"


def make_copy(text: str, language: str, kind: str, site: str, rng: random.Random) -> str:
    """A copy of ``text`` as another site would publish it."""
    if kind == "exact":
        return text
    if kind == "rewrap":
        return rewrap(text, language, rng)
    if kind == "headline":
        return f"{rng.choice(HEADLINES[language])}\n\n{text}"
    if kind == "dateline":
        return DATELINES[language] + text
    if kind == "header_footer":
        return wrap_site(text, language, site)
    if kind == "trim_last":
        return trim_last(text, language)
    if kind == "edit_words":
        return edit_words(text, language, rng, 0.05)
    if kind == "drop_sentences":
        return drop_sentences(text, language, rng, 0.15)
    edited = drop_sentences(edit_words(text, language, rng, 0.03), language, rng, 0.1)
    return wrap_site(DATELINES[language] + edited, language, site)


def build(seed: int = 7) -> list[Document]:
    """The development set, in a shuffled but fixed order."""
    rng = random.Random(seed)
    stories = base_stories()
    documents = syndicated(stories, rng)
    # Twelve different short stories inside the same long footer: not copies of each other.
    short = [s for s in stories if s[2] == "en" and len(s[1].split()) < 60][:12]
    for story, text, language in short:
        documents.append(
            Document(
                f"observer.example/{story}",
                f"{text}\n\n{LONG_FOOTER}",
                story,
                "footer-negative",
                language,
            )
        )
    # The cases of #11, drawn from their own generator so that the ones above stay the same.
    framing = random.Random(seed + 1)
    documents += syndicated(cjk_stories(), framing)
    documents += leads_alone(stories)
    briefs = list(readability_briefs().items())
    documents += framed_briefs(briefs[:FRAMED_BRIEFS], stories, framing)
    documents += one_folder(briefs[FRAMED_BRIEFS : FRAMED_BRIEFS + 4], framing)
    documents += [
        Document(f"wire.example/{key}", text, key, "original", "en")
        for key, text in briefs[FRAMED_BRIEFS + 4 :]
    ]
    rng.shuffle(documents)
    return documents


def syndicated(stories: list[tuple[str, str, str]], rng: random.Random) -> list[Document]:
    """Each story as first published, and four copies of it on other sites."""
    documents = []
    for story, text, language in stories:
        documents.append(Document(f"origin/{story}", text, story, "original", language))
        plain_sites = rng.sample(PLAIN_SITES, len(PLAIN_SITES))
        for n, kind in enumerate(rng.sample(KINDS, 4)):
            site = CHROME_SITES[n % 2] if kind in CHROME_KINDS else plain_sites[n]
            copy = make_copy(text, language, kind, site, rng)
            documents.append(Document(f"{site}/{story}/{kind}", copy, story, kind, language))
    return documents


def cjk_stories() -> list[tuple[str, str, str]]:
    """Korean and Japanese texts (tests/data/uchardet_cjk.json), besides the Chinese ones."""
    data = json.loads((ROOT / "tests" / "data" / "uchardet_cjk.json").read_text())
    return [(key, story["text"], story["language"]) for key, story in data["stories"].items()]


def readability_briefs() -> dict[str, str]:
    """107 paragraphs of 40-90 words from real English pages: distinct short stories."""
    data = json.loads((ROOT / "tests" / "data" / "readability_briefs.json").read_text())
    return dict(data["briefs"])


# A lead paragraph published alone is a story of its own (a brief), not a copy of the
# long article it opens: the README states this choice. Its label is the article's, plus
# "#lead". (The first of three short paragraphs is half of a copy trimmed by one: a trimmed
# copy, not a lead; the Chinese stories are that short.)
LEAD_STORIES = ("000_7ff7f7698b103f4f.txt", "003_b354eb1718a7a74f.txt", "004_687f5bdfc5dfbd6b.txt")


def lead(text: str, language: str) -> str:
    """The first paragraph, or the first three sentences of a text in one paragraph."""
    first = text.split("\n\n")[0]
    parts = sentences(first)
    return join_sentences(parts[:3], language) if len(parts) > 4 else first


def leads_alone(stories: list[tuple[str, str, str]]) -> list[Document]:
    return [
        Document(
            f"brief.example/{story}/lead", lead(text, language), f"{story}#lead", "lead", language
        )
        for story, text, language in stories
        if story in LEAD_STORIES
    ]


# Furniture of news sites, in sentences that several sites share in different orders and
# mixes, so that whole lines rarely repeat: a newsletter, cookies, copyright, editorial policy.
FURNITURE = (
    "Sign up for our morning newsletter and get the most important stories of the day in your "
    "inbox before breakfast.",
    "You can unsubscribe at any time with the link at the bottom of every email we send.",
    "We use cookies to remember your settings, to measure how our pages are read and to show "
    "advertising that fits your interests.",
    "By continuing to browse this site you agree to our use of cookies as described in our "
    "privacy notice.",
    "You can change your cookie preferences at any time on the settings page.",
    "No part of this page may be copied, republished or redistributed without the written "
    "permission of the publisher.",
    "Our journalists follow a code of practice that asks for accuracy, fairness and a clear "
    "line between news and opinion.",
    "If you believe we got a fact wrong, write to the standards editor, who answers every "
    "request within two working days.",
    "Opinions of guest contributors are their own and are not endorsed by the editorial board.",
    "This story was produced by our newsroom without the involvement of advertisers or sponsors.",
    "Support independent local reporting by becoming a member for the price of a coffee a month.",
    "Members read without advertising and are invited to quarterly meetings with the editors.",
    "Follow us on social media for live updates throughout the day.",
    "Have a tip or a story idea? Reach the newsroom through our secure contact form.",
    "Photographs on this page are licensed from their owners and may not be reused.",
    "Comments are moderated and may take up to an hour to appear.",
    "Please read our community guidelines before you post a comment.",
    "Corrections are listed at the foot of the article they concern.",
)
# Two sites known by metadata.url, two only by their folder (records without a URL).
FRAME_SITES = ("metro.example", "valley.example", "frames-north", "frames-south")
FRAME_SITES_WITH_URL = FRAME_SITES[:2]
FRAMED_BRIEFS = 80
FRAMED_ARTICLES = ("000_7ff7f7698b103f4f.txt", "003_b354eb1718a7a74f.txt")


def site_furniture(site: str, rng: random.Random) -> list[str]:
    """The sentences one site wraps its pages in: most of the shared ones, and its own."""
    name = site.split(".")[0].replace("-", " ").title()
    own = [
        f"Copyright {rng.choice(range(2015, 2024))} {name} Media Group. All rights reserved.",
        f"{name} is an independent publication owned by its readers and staff.",
    ]
    return rng.sample(FURNITURE, 13) + own


def frame(text: str, furniture: list[str], rng: random.Random) -> str:
    """``text`` in about a hundred words of its site's furniture, picked and ordered anew."""
    picked = rng.sample(furniture, rng.randint(7, 9))
    cut = rng.randint(0, 2)  # a sentence or two above the story, the rest below
    before, rest = picked[:cut], picked[cut:]
    paragraphs = []
    while rest:
        size = rng.randint(1, 3)
        paragraphs.append(" ".join(rest[:size]))
        rest = rest[size:]
    head = [" ".join(before)] if before else []
    return "\n\n".join([*head, text, *paragraphs])


def framed_briefs(
    briefs: list[tuple[str, str]], stories: list[tuple[str, str, str]], rng: random.Random
) -> list[Document]:
    """Different short stories in the same site frames (hard negatives), some published again
    on a second framed site (copies), and long articles in the same frames next to them."""
    furniture = {site: site_furniture(site, rng) for site in FRAME_SITES}
    documents = []
    for n, (key, text) in enumerate(briefs):
        site = FRAME_SITES[n % len(FRAME_SITES)]
        documents.append(framed_document(site, key, text, "original", furniture, rng))
        if n % 3 == 0:  # a third of the briefs are syndicated to another framed site
            other = FRAME_SITES[(n + 1 + rng.randrange(len(FRAME_SITES) - 1)) % len(FRAME_SITES)]
            kind = FRAMED_KINDS[(n // 3) % 2]
            copy = text if kind == "reframed" else edit_words(text, "en", rng, 0.05)
            documents.append(framed_document(other, key, copy, kind, furniture, rng))
    for n, (story, text, _) in enumerate(s for s in stories if s[0] in FRAMED_ARTICLES):
        site = FRAME_SITES[n % len(FRAME_SITES)]
        documents.append(framed_document(site, story, text, "reframed", furniture, rng))
    return documents


def framed_document(
    site: str, key: str, text: str, kind: str, furniture: dict[str, list[str]], rng: random.Random
) -> Document:
    return Document(
        f"{site}/{key}/{kind}",
        frame(text, furniture[site], rng),
        key,
        kind,
        "en",
        with_url=site in FRAME_SITES_WITH_URL,
    )


def one_folder(briefs: list[tuple[str, str]], rng: random.Random) -> list[Document]:
    """Stories syndicated three times into one folder, records without a URL."""
    documents = []
    for key, text in briefs:
        documents.append(Document(f"agency/{key}/original", text, key, "original", "en", False))
        for kind in rng.sample(("rewrap", "dateline", "edit_words", "headline"), 2):
            copy = make_copy(text, "en", kind, "agency", rng)
            documents.append(Document(f"agency/{key}/{kind}", copy, key, kind, "en", False))
    return documents


# Stories the dedupe rules were never tuned on, in nine other languages (tests/data).
HOLDOUT_KEYS = ("fr", "de", "es", "ru", "el", "tr", "pl", "ja", "ko", "zh_hant")


def build_holdout(seed: int) -> list[Document]:
    """A held-out set: the multilingual texts of the tests, five copies of each."""
    rng = random.Random(seed)
    texts = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text())
    documents: list[Document] = []
    for key in HOLDOUT_KEYS:
        language = "zh" if key in ("ja", "zh_hant") else "en"  # "zh": sentences unspaced
        documents.append(Document(f"origin/{key}", texts[key], key, "original", language))
        plain_sites = rng.sample(PLAIN_SITES, len(PLAIN_SITES))
        for n, kind in enumerate(rng.sample(KINDS, 5)):
            site = (
                CHROME_SITES[n % 2] if kind in CHROME_KINDS else plain_sites[n % len(plain_sites)]
            )
            copy = make_copy(texts[key], language, kind, site, rng)
            documents.append(Document(f"{site}/{key}/{kind}", copy, key, kind, language))
    rng.shuffle(documents)
    return documents


def as_records(documents: list[Document]) -> list[Record]:
    """Records as a scrape gives them (with the URL each was found at), or as files of a
    folder give them (no URL, the folder as their source)."""
    return [
        Record(
            id=d.id,
            text=d.text,
            source=d.id.split("/")[0],
            metadata={"url": f"https://{d.id}"} if d.with_url else {},
        )
        for d in documents
    ]


if __name__ == "__main__":
    for document, record in zip(documents := build(), as_records(documents), strict=True):
        record.metadata.update(story=document.story, kind=document.kind)
        print(record.to_json())
