"""Decode accuracy and speed of ``ingest`` against plain chardet, on a generated set.

The set: real multilingual news text (tests/data/multilingual.json) and the English samples,
cut to 60, 150, 400 characters and whole, encoded in every encoding their script is written
in on the web, with and without HTML around them (some with a lying <meta charset>).
A document counts as right when the decoded text equals the original exactly.

    python benchmarks/bench_decode.py
"""

from __future__ import annotations

import json
from collections import defaultdict

import chardet
from _common import ROOT, peak_rss_mb, table, timed

from ingest.encoding import decode_bytes

ENCODINGS = {
    "zh": ["utf-8", "utf-16", "gb2312", "gbk", "gb18030"],
    "zh_hant": ["utf-8", "big5"],
    "ja": ["utf-8", "shift_jis", "cp932", "euc-jp"],
    "ko": ["utf-8", "euc-kr"],
    "ru": ["utf-8", "koi8-r", "cp1251", "iso-8859-5"],
    "el": ["utf-8", "iso-8859-7", "cp1253"],
    "tr": ["utf-8", "cp1254", "iso-8859-9"],
    "fr": ["utf-8", "cp1252", "iso-8859-1"],
    "de": ["utf-8", "cp1252"],
    "es": ["utf-8", "iso-8859-1"],
    "pl": ["utf-8", "iso-8859-2", "cp1250"],
    "en": ["utf-8", "utf-16", "cp1252"],
}
LENGTHS = [60, 150, 400, None]
LYING_LABEL = "iso-8859-1"


def corpus() -> list[tuple[str, str, bytes, str]]:
    """(language, encoding, bytes, original text) for every generated document."""
    texts = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text())
    by_language = {key: value for key, value in texts.items() if "_short" not in key}
    by_language["en"] = "\n\n".join(
        p.read_text(encoding="utf-8").replace("ć", "c")
        for p in sorted((ROOT / "samples").glob("*.txt"))
    )
    documents = []
    for language, encodings in ENCODINGS.items():
        for length in LENGTHS:
            text = by_language[language][:length]
            for encoding in encodings:
                documents.append((language, encoding, text.encode(encoding), text))
                head = f'<html><head><meta charset="{LYING_LABEL}"></head>'
                page = f"{head}<body><p>{text}</p></body></html>"
                if encoding not in {"utf-16", LYING_LABEL, "cp1252"}:
                    documents.append(
                        (language, f"{encoding}+lying-meta", page.encode(encoding), page)
                    )
    return documents


def ingest_decode(data: bytes) -> str:
    return decode_bytes(data).text


def chardet_baseline(data: bytes) -> str:
    """What a hand-rolled script does: chardet's default guess, replace what fails."""
    guess = chardet.detect(data)["encoding"] or "utf-8"
    return data.decode(guess, errors="replace")


def evaluate(decoder, documents) -> tuple[dict[str, list[int]], float]:
    def run() -> dict[str, list[int]]:
        scores: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for language, _, data, text in documents:
            try:
                right = decoder(data) == text
            except Exception:
                right = False
            scores[language][0] += right
            scores[language][1] += 1
        return scores

    return timed(run)


def main() -> None:
    documents = corpus()
    total_bytes = sum(len(d[2]) for d in documents)
    rows, totals = [], []
    for name, decoder in [("ingest", ingest_decode), ("chardet.detect baseline", chardet_baseline)]:
        scores, seconds = evaluate(decoder, documents)
        right = sum(s[0] for s in scores.values())
        totals.append(
            [
                name,
                f"{right}/{len(documents)} ({right / len(documents):.1%})",
                f"{seconds / len(documents) * 1000:.2f}",
                f"{len(documents) / seconds:,.0f}",
                f"{total_bytes / seconds / 1e6:.2f}",
            ]
        )
        rows.append([name, *(f"{s[0]}/{s[1]}" for s in (scores[lang] for lang in ENCODINGS))])
    print(f"{len(documents)} documents, {total_bytes / 1e6:.2f} MB, lengths {LENGTHS}\n")
    print(table(totals, ["decoder", "exactly right", "ms/doc", "docs/s", "MB/s"]))
    print()
    print(table(rows, ["decoder", *ENCODINGS]))
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
