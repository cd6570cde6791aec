"""Hostile-but-realistic raw documents for differential runs of `ingest clean` / `split` / `run`.

    python benchmarks/hostile_corpus.py OUT_DIR [--seed 1] [--count 400]

writes OUT_DIR/gen/ (generated plain-text and small HTML pages: many encodings, odd line ends,
odd spaces, zero-width and control characters, ESC sequences, entities, long lines,
punctuation lines, digest pages with "more" markers, bylines, dates, breadcrumbs, copyright
lines, share bars, cookie notices, empty / one-character / whitespace-only files) and
OUT_DIR/edge/ (the degenerate files). Deterministic for a seed. The real files (samples/,
shared/dev-data) are not copied: pass them to the differential runner directly
(benchmarks/diff_old_new.py).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le-bom",
    "utf-16-be-bom",
    "gb18030",
    "big5",
    "shift_jis",
    "euc-kr",
    "cp1252",
    "latin-1",
    "koi8-r",
    "mojibake",
]

# Text a codec can carry: each encoding gets prose of its own script (plus ASCII).
PROSE = {
    "en": [
        "The council voted 7-2 on Tuesday to approve the new budget for the harbor.",
        "Officials said the measure, backed by Gov. Smith, would take effect in January.",
        "Residents who spoke at the meeting were divided over the cost of the project.",
        "“We can’t wait another year,” said Maria Lopez, who runs a café on Main St.",
        "Critics warned that fees would rise by 12% — the first rise since 2019.",
        "The report, released Sept. 14, 2026, found that 3,400 homes lacked broadband.",
    ],
    "fr": [
        "Le conseil a approuvé mardi le budget de l’année prochaine à l’unanimité.",
        "« Nous ne pouvons plus attendre », a déclaré la maire, émue.",
        "Les résidents étaient partagés sur le coût du projet de rénovation.",
    ],
    "ru": [
        "Городской совет утвердил новый бюджет во вторник.",
        "Жители разделились во мнениях о стоимости проекта.",
    ],
    "zh": [
        "市议会周二以七票对两票通过了新的港口预算。",
        "官员表示，该措施将于明年一月生效。",
        "出席会议的居民对项目成本意见不一。",
    ],
    "zh_tw": [
        "市議會週二以七票對兩票通過了新的港口預算。",
        "官員表示，該措施將於明年一月生效。",
    ],
    "ja": [
        "市議会は火曜日、新しい港湾予算を可決しました。",
        "当局によると、この措置は来年一月に施行される。",
    ],
    "ko": [
        "시의회는 화요일 새 항만 예산을 승인했다.",
        "주민들은 사업 비용을 두고 의견이 갈렸다.",
    ],
}

SCRIPT_FOR = {
    "gb18030": ["zh", "en"],
    "big5": ["zh_tw", "en"],
    "shift_jis": ["ja", "en"],
    "euc-kr": ["ko", "en"],
    "koi8-r": ["ru", "en"],
    "cp1252": ["fr", "en"],
    "latin-1": ["fr", "en"],
    "mojibake": ["fr", "en"],
}

ODD_SPACES = ["\u00a0", "\u2009", "\u202f", "\u3000", "\u2002", "\u200a", "\t", "\u205f"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad"]
CONTROLS = ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x90", "\x9f"]
ESCAPES = ["\x1b[31m", "\x1b[0m", "\x1b[1;32m", "\x1b]0;title\x07", "\x1b(B", "\x1b$B", "\x1b"]
ENTITIES = [
    "&amp;",
    "&nbsp;",
    "&quot;",
    "&#8217;",
    "&#x2014;",
    "&amp;amp;",
    "&amp;nbsp;",
    "&lt;b&gt;",
    "&eacute;",
    "&hellip;",
    "&#0;",
    "&bogus;",
    "Q&A",
    "AT&T",
]
MARKERS = [
    "[more..]",
    "[more...]",
    "More>>",
    "Read more",
    "(more)",
    "Full story",
    "Read more \u00bb",
    "more >>",
    "[More]",
    "Continue reading",
]
DATES = [
    "Sept. 14, 2026",
    "September 14, 2026",
    "2026-09-14",
    "14/09/2026",
    "Mon, 14 Sep 2026 10:00:00 GMT",
    "14 September 2026 | 10:32 AM",
    "Updated: Oct. 3, 2025",
]
BYLINES = [
    "Posted by John Smith",
    "By Jane Doe, Staff Writer",
    "Posted by admin on Sept. 14, 2026",
    "By ANNA KOWALSKA",
    "Reporter: Li Wei",
    "Written by Tom O'Neil | Sept. 14, 2026",
]
BREADCRUMBS = [
    "Home > News >",
    "Home > CSHRS > NEWS >",
    "Home | World | Asia",
    "Home \u00bb Politics \u00bb Local",
    "You are here: Home / News / City",
]
COPYRIGHTS = [
    "Copyright \u00a9 2026 The Lakeside Courier. All rights reserved.",
    "(c) 2025 World Wire",
    "\u00a9 2026 Example Media Group Ltd",
    "All Rights Reserved.",
]
SHARE_BARS = [
    "Share: Facebook Twitter Email",
    "Share this: Tweet | Share | Email | Print",
    "Facebook Twitter LinkedIn WhatsApp",
]
COOKIES = [
    "We use cookies to improve your experience. By continuing you accept our cookie policy.",
    "This site uses cookies. Accept | Learn more",
]
PUNCT_LINES = ["-----", "***", "* * *", "=======================", "...", "|", ">>", "\u2014", "#"]
LINE_ENDS = ["\n", "\r\n", "\r"]


def sentences(rng: random.Random, scripts: list[str], n: int) -> list[str]:
    return [rng.choice(PROSE[rng.choice(scripts)]) for _ in range(n)]


def paragraph(rng: random.Random, scripts: list[str], hostile: bool) -> str:
    text = " ".join(sentences(rng, scripts, rng.randint(1, 4)))
    if hostile:
        text = sprinkle(rng, text)
    return text


def sprinkle(rng: random.Random, text: str) -> str:
    """Insert odd characters at random word boundaries."""
    words = text.split(" ")
    for _ in range(rng.randint(0, 4)):
        pool = rng.choice([ODD_SPACES, ZERO_WIDTH, CONTROLS, ESCAPES, ENTITIES])
        i = rng.randrange(len(words) + 1)
        words.insert(i, rng.choice(pool))
    joiner = rng.choice([" ", " ", " ", "  ", "\u00a0", "\t"])
    return joiner.join(words)


def text_lines(rng: random.Random, scripts: list[str], kind: str) -> list[str]:
    hostile = rng.random() < 0.6
    lines: list[str] = []
    if rng.random() < 0.4:
        lines.append(rng.choice(BREADCRUMBS))
    if rng.random() < 0.2:
        lines.append(rng.choice(COOKIES))
    if rng.random() < 0.3:
        lines.append(rng.choice(PUNCT_LINES))
    title = sentences(rng, scripts, 1)[0][:60].rstrip(" .")
    lines.append(title)
    if rng.random() < 0.5:
        lines.append(rng.choice(BYLINES))
    if rng.random() < 0.5:
        lines.append(rng.choice(DATES))
    if rng.random() < 0.15:
        lines.append("")
        lines.append("GENEVA, Sept. 14 (World Wire) -- " + paragraph(rng, scripts, hostile))
    if kind == "digest":
        for _ in range(rng.randint(1, 6)):
            lines.append("")
            lines.append(sentences(rng, scripts, 1)[0][:50].rstrip(" ."))
            if rng.random() < 0.3:
                lines.append(rng.choice(DATES))
            teaser = paragraph(rng, scripts, hostile)
            if rng.random() < 0.8:
                marker = rng.choice(MARKERS)
                teaser = teaser + rng.choice([" ", "\n", " \u00a0"]) + marker
            lines.append(teaser)
    else:
        for _ in range(rng.randint(1, 8)):
            lines.append(rng.choice(["", "", "\n", " \t ", "\u3000"]))
            para = paragraph(rng, scripts, hostile)
            if rng.random() < 0.05:
                para = " ".join([para] * rng.randint(30, 200))  # a very long line
            lines.append(para)
            if rng.random() < 0.1:
                lines.append(rng.choice(PUNCT_LINES))
    if rng.random() < 0.3:
        lines.append(rng.choice(SHARE_BARS))
    if rng.random() < 0.4:
        lines.append(rng.choice(COPYRIGHTS))
    if rng.random() < 0.2:
        lines.extend(["About us", "Contact", "Privacy", "Terms"])
    if rng.random() < 0.2:
        lines = [
            ("  " if rng.random() < 0.5 else "\t") + line + rng.choice(["", " ", "\t"])
            for line in lines
        ]
    return lines


def join_lines(rng: random.Random, lines: list[str]) -> str:
    mode = rng.choice(["lf", "crlf", "cr", "mixed", "lf"])
    if mode == "mixed":
        return "".join(line + rng.choice(LINE_ENDS) for line in lines)
    end = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}[mode]
    trailer = end if rng.random() < 0.7 else ""
    return end.join(lines) + trailer


def html_page(rng: random.Random, scripts: list[str], kind: str, charset: str | None) -> str:
    hostile = rng.random() < 0.5
    meta = f'<meta charset="{charset}">' if charset else ""
    title = sentences(rng, scripts, 1)[0][:60]
    parts = [f"<!DOCTYPE html><html><head>{meta}<title>{title} | The Courier</title></head><body>"]
    parts.append('<nav><a href="/">Home</a> &gt; <a href="/news">News</a></nav>')
    if rng.random() < 0.3:
        parts.append(f'<div class="cookie">{rng.choice(COOKIES)}</div>')
    if kind == "digest":
        parts.append("<main><h1>Latest news</h1>")
        for i in range(rng.randint(1, 7)):
            head = sentences(rng, scripts, 1)[0][:50]
            teaser = paragraph(rng, scripts, hostile)
            cls = f"item item-{i}" if rng.random() < 0.5 else "item"
            parts.append(
                f'<div class="{cls}"><h2><a href="/story/{i}">{head}</a></h2>'
                f'<p>{teaser}</p><a href="/story/{i}">{rng.choice(MARKERS)}</a></div>'
            )
        parts.append("</main>")
    else:
        parts.append(f"<article><h1>{title}</h1>")
        if rng.random() < 0.5:
            parts.append(f'<p class="byline">{rng.choice(BYLINES)}</p>')
        if rng.random() < 0.5:
            parts.append(f"<time>{rng.choice(DATES)}</time>")
        for _ in range(rng.randint(1, 8)):
            parts.append(f"<p>{paragraph(rng, scripts, hostile)}</p>")
        if rng.random() < 0.2:
            parts.append('<p style="display:none">hidden text that should not show</p>')
        parts.append("</article>")
        if rng.random() < 0.3:
            parts.append(
                '<aside class="related"><ul>'
                + "".join(
                    f'<li><a href="/r/{i}">{sentences(rng, scripts, 1)[0][:40]}</a></li>'
                    for i in range(rng.randint(2, 6))
                )
                + "</ul></aside>"
            )
    parts.append(f"<footer>{rng.choice(SHARE_BARS)}<br>{rng.choice(COPYRIGHTS)}</footer>")
    parts.append("</body></html>")
    sep = rng.choice(["", "\n", "\r\n"])
    return sep.join(parts)


def encode(rng: random.Random, text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    if encoding == "mojibake":
        return text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    return text.encode(encoding, errors="replace" if rng.random() < 0.5 else "xmlcharrefreplace")


def edge_files() -> dict[str, bytes]:
    return {
        "empty.txt": b"",
        "one-a.txt": b"a",
        "one-nl.txt": b"\n",
        "one-cr.txt": b"\r",
        "one-dot.txt": b".",
        "one-nbsp.txt": "\u00a0".encode(),
        "one-zw.txt": "\u200b".encode(),
        "ws-only.txt": b" \t \r\n \n\n\t",
        "ws-nbsp.txt": "\u00a0\u3000 \n\u2009".encode(),
        "bom-only.txt": b"\xef\xbb\xbf",
        "bom16-only.txt": b"\xff\xfe",
        "esc-only.txt": b"\x1b[31m\x1b[0m",
        "ctrl-only.txt": b"\x01\x02\x03\x07",
        "entity-only.txt": b"&nbsp;",
        "amp.txt": b"&",
        "lt.txt": b"<",
        "more.txt": b"[more..]",
        "punct-only.txt": b"-----\n***\n...\n",
        "empty.html": b"<html></html>",
        "body-only.html": b"<html><body></body></html>",
        "one-p.html": b"<p>a</p>",
        "nul.txt": b"abc\x00def",
        "c1-only.txt": "\x85\x9f".encode(),
        "crlf-only.txt": b"\r\n\r\n\r\n",
        "copyright-only.txt": "\u00a9 2026 Foo".encode(),
        "title-only.txt": b"Council approves budget",
        "date-only.txt": b"Sept. 14, 2026",
        "byline-only.txt": b"Posted by John Smith",
        "bc-only.txt": b"Home > News >",
        "long-line.txt": ("word " * 20000).encode(),
        "long-punct.txt": ("-" * 5000 + "\n").encode() * 3,
        "ansi-ascii.txt": b"\x1b[31mError:\x1b[0m the build failed.\nSee the log for details.\n",
        "ansi-utf8.txt": "\x1b[31mErreur\x1b[0m : la compilation a \u00e9chou\u00e9.\n".encode(),
        "double-escaped.txt": b"Tom &amp;amp; Jerry &amp;lt;3 &amp;#8217; caf&amp;eacute;\n",
        "double-escaped.html": b"<p>Tom &amp;amp; Jerry &amp;lt;b&amp;gt; caf&amp;eacute;</p>",
    }


def write_corpus(out: Path, seed: int, count: int) -> dict[str, int]:
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    gen = out / "gen"
    gen.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        encoding = ENCODINGS[n % len(ENCODINGS)]
        scripts = SCRIPT_FOR.get(
            encoding, rng.choice([["en"], ["fr", "en"], ["zh", "en"], ["ru"], ["ja"], ["ko", "en"]])
        )
        kind = rng.choice(["article", "digest", "article"])
        as_html = rng.random() < 0.35
        if as_html:
            charset = None
            if encoding not in ("mojibake", "utf-16", "utf-16-le-bom", "utf-16-be-bom"):
                charset = encoding if rng.random() < 0.6 else None
            text = html_page(rng, scripts, kind, charset)
            suffix = ".html"
        else:
            text = join_lines(rng, text_lines(rng, scripts, kind))
            suffix = ".txt"
        data = encode(rng, text, encoding)
        label = f"{'html' if as_html else 'text'}-{kind}-{encoding}"
        counts[label] = counts.get(label, 0) + 1
        (gen / f"{n:04d}-{label}{suffix}").write_bytes(data)
    edge = out / "edge"
    edge.mkdir(parents=True, exist_ok=True)
    for name, data in edge_files().items():
        (edge / name).write_bytes(data)
    counts["edge"] = len(edge_files())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=400)
    args = parser.parse_args()
    counts = write_corpus(args.out, args.seed, args.count)
    for label, n in sorted(counts.items()):
        print(f"{n:5d} {label}")


if __name__ == "__main__":
    main()
