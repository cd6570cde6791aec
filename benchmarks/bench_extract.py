"""Main-content extraction on 24 labeled pages (benchmarks/extraction_pages.py).

Scores are bag-of-token precision / recall / F1 against the hand-written ground truth
(words; single characters for Chinese), averaged over pages, and time per page. Every
extractor gets the same text, decoded by ingest, so that only extraction is compared.
Extractors: ingest clean (trafilatura + our boilerplate rules), trafilatura as it comes,
trafilatura with favor_precision, readability-lxml, jusText (English stoplist), and all the
text of the page (the floor).

    pip install -e '.[bench]'   # readability-lxml and jusText, for comparison only
    python benchmarks/bench_extract.py
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable

import trafilatura
from _common import table
from bs4 import BeautifulSoup
from extraction_pages import Page, pages

from ingest import CleanConfig, Record
from ingest.clean import clean_record
from ingest.encoding import decode_bytes

TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W_]+")


def tokens(text: str) -> Counter[str]:
    return Counter(TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()))


def score(extracted: str, truth: str) -> tuple[float, float, float]:
    got, want = tokens(extracted), tokens(truth)
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return precision, recall, f1


def with_ingest(html: str) -> str:
    record = Record(id="p", text=html, metadata={"content_type": "html"})
    return clean_record(record, CleanConfig()).text


def with_trafilatura(html: str) -> str:
    return trafilatura.extract(html, include_comments=False) or ""


def with_trafilatura_precision(html: str) -> str:
    return trafilatura.extract(html, include_comments=False, favor_precision=True) or ""


def with_readability(html: str) -> str:
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    return BeautifulSoup(summary, "lxml").get_text("\n")


def with_justext(html: str) -> str:
    import justext

    paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def whole_page(html: str) -> str:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text("\n")


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "ingest clean": with_ingest,
    "trafilatura": with_trafilatura,
    "trafilatura (favor_precision)": with_trafilatura_precision,
    "readability-lxml": with_readability,
    "jusText (English stoplist)": with_justext,
    "whole page text (floor)": whole_page,
}


def evaluate(
    extract: Callable[[str], str], corpus: list[Page]
) -> tuple[list[tuple[float, float, float]], float]:
    texts = [decode_bytes(page.html).text for page in corpus]
    started = time.perf_counter()
    outputs = [extract(text) for text in texts]
    seconds = time.perf_counter() - started
    return [score(out, page.truth) for out, page in zip(outputs, corpus, strict=True)], seconds


def main() -> None:
    corpus = pages()
    rows, per_page = [], {}
    for name, extract in EXTRACTORS.items():
        try:
            scores, seconds = evaluate(extract, corpus)
        except ImportError as error:
            rows.append([name, f"not installed ({error.name})", "", "", "", ""])
            continue
        per_page[name] = scores
        mean = [sum(s[i] for s in scores) / len(scores) for i in range(3)]
        below = sum(1 for s in scores if s[2] < 0.8)
        rows.append(
            [
                name,
                f"{mean[0]:.3f}",
                f"{mean[1]:.3f}",
                f"{mean[2]:.3f}",
                below,
                f"{seconds / len(corpus) * 1000:.1f}",
            ]
        )
    print(f"{len(corpus)} pages, {len({p.name.split('_', 1)[1] for p in corpus})} layouts\n")
    print(table(rows, ["extractor", "precision", "recall", "F1", "pages F1<0.8", "ms/page"]))
    names = list(per_page)
    detail = [
        [page.name, *(f"{per_page[n][i][2]:.2f}" for n in names)] for i, page in enumerate(corpus)
    ]
    print()
    print(table(detail, ["page (F1)", *names]))


if __name__ == "__main__":
    main()
