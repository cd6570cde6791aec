"""A labeled development set for dedupe: real stories and syndication-style copies of them.

Base stories: every story of ``samples/`` after ``clean | split`` (English: three articles,
two digest introductions and 34 teasers) and ten Chinese stories
(``tests/data/zh_stories.json``). Each base story is published again by other sites, as
copies of the kinds in ``KINDS``; the label of a document is the story it tells. Hard
negatives come for free (the samples share topics and phrases, and so do the Chinese stories)
and on purpose: one site wraps twelve different short stories in the same long footer.

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
HEAVY = ("trim_last", "edit_words", "drop_sentences", "heavy")
KINDS = LIGHT + HEAVY
# Sites with a template wrap every page they publish in their header and footer; the
# others publish plain text. Copies of the kinds that carry a site's chrome go to the first.
CHROME_SITES = ["daily.example", "portal.example"]
PLAIN_SITES = ["wire.example", "news.example", "times.example", "asia.example"]
CHROME_KINDS = ("header_footer", "heavy")
HEADERS = {
    "en": "Home | World | China | Business\nShare this story: Facebook Twitter Email",
    "zh": "首页 > 国际 > 新闻\n分享到：微博 微信",
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
}
DATELINES = {"en": "GENEVA, Sept. 14 (Xinhua) -- ", "zh": "新华社日内瓦9月14日电 "}
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
    kind: str  # "original", a kind of copy, or "footer-negative"
    language: str


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
    return ("" if language == "zh" else " ").join(parts)


def rewrap(text: str, language: str, rng: random.Random) -> str:
    width = rng.choice([40, 60, 72])
    lines = []
    for paragraph in text.split("\n\n"):
        words = list(paragraph) if language == "zh" else paragraph.split()
        joiner = "" if language == "zh" else " "
        lines += [
            joiner.join(words[i : i + width // (1 if language == "zh" else 6)])
            for i in range(0, len(words), width // (1 if language == "zh" else 6))
        ]
        lines.append("")
    return "\n".join(lines).replace(" ", "  ", 3).strip()


def edit_words(text: str, language: str, rng: random.Random, share: float) -> str:
    if language == "zh":
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
    documents: list[Document] = []
    stories = base_stories()
    for story, text, language in stories:
        documents.append(Document(f"origin/{story}", text, story, "original", language))
        plain_sites = rng.sample(PLAIN_SITES, len(PLAIN_SITES))
        for n, kind in enumerate(rng.sample(KINDS, 4)):
            site = CHROME_SITES[n % 2] if kind in CHROME_KINDS else plain_sites[n]
            copy = make_copy(text, language, kind, site, rng)
            documents.append(Document(f"{site}/{story}/{kind}", copy, story, kind, language))
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
    rng.shuffle(documents)
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
    """Records as a scrape gives them: each with the URL it was found at."""
    return [
        Record(id=d.id, text=d.text, source=d.id.split("/")[0], metadata={"url": f"https://{d.id}"})
        for d in documents
    ]


if __name__ == "__main__":
    for document, record in zip(documents := build(), as_records(documents), strict=True):
        record.metadata.update(story=document.story, kind=document.kind)
        print(record.to_json())
