r"""Main-content extraction: ingest next to the libraries, on real pages and on our own.

Page sets:
- readability: the real pages of ../shared/dev-data/readability/pages (Mozilla Readability's
  test pages, Apache 2.0): ``source.html``, the expected article ``expected.html`` and
  ``expected-metadata.json``. Pages whose expected article is empty are left out.
- hand-written: the 24 labeled pages of benchmarks/extraction_pages.py (ground truth written
  down).

Text score: word 4-gram precision / recall / F1 of the extracted text against the expected
text, as the scrapinghub article-extraction-benchmark computes them (its evaluate.py):
precision and recall are averaged over pages, and F1 is the harmonic mean of those two
averages; a page where the extractor gives nothing is left out of the precision average (its
recall is 0), as there. "page F1" is the mean of the pages' own F1 (stricter: a page that is
all precision or all recall scores low), which earlier versions of this script called F1.
The expected text is the text of expected.html with a line break at each block element and
``<br>`` (lxml's ``text_content()`` glued words across them: "end</p><p>Start" read as one
word). Words are runs of letters and digits after NFKC and case folding; each Han character is
a word (the benchmark takes case-sensitive ``\w+`` runs, which make a clause of Chinese one
word; on the readability pages the two differ by 0.002 or less). 4-grams are counted with
their multiplicity; a text of fewer than 4 words is one gram.

Title, byline, site name and date (readability pages only, against expected-metadata.json's
title, byline, siteName and the day of publishedTime): right when equal after normalization:
NFKC, case folding, whitespace collapsed, a leading "by" and punctuation at both ends dropped.
Each is scored over the pages where the expected value is not empty.

ms/page: CPU time of this process (less disturbed by a shared machine than wall time) of
the extraction itself over the page's decoded text (the same text for
every extractor), the best of ``--repeat`` runs per page, the extractors taking turns page by
page; on a shared machine compare the ratios within one run, not across runs ("CPU x
extract()": the time over trafilatura ``extract()``'s in the same run). A page's later
runs are cheaper than its first (trafilatura and htmldate cache work by string, and the
extractors share trafilatura's caches), so ``--cold N`` also times ingest and ``extract()``
as a corpus run does: each in a fresh process, one pass over the pages, N rounds.
ingest runs through ``clean_records`` on the records ``read_records`` makes from the files,
as the CLI does.

    pip install -e '.[bench]'   # readability-lxml and jusText, for comparison only
    python benchmarks/bench_extract.py [--verbose] [--per-page] [--cold N] [--lost N] [--pages DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import lxml.html
import trafilatura
from _common import DEV_DATA, table
from extraction_pages import pages as hand_pages

from ingest import CleanConfig, Record, clean_records, read_records

READABILITY = DEV_DATA / "readability" / "pages"
TOKEN = re.compile(r"[\u3400-\u9fff]|[^\W_]+")
N = 4
WORST = 8


@dataclass(frozen=True)
class Page:
    name: str
    record: Record  # as read_records makes it from the file: decoded, content_type html
    truth: str
    title: str | None = None
    byline: str | None = None
    site: str | None = None
    date: str | None = None  # YYYY-MM-DD, the day of expected-metadata.json's publishedTime


@dataclass(frozen=True)
class Output:
    text: str
    title: str | None = None  # None: the extractor does not give one
    byline: str | None = None
    site: str | None = None
    date: str | None = None


def words(text: str) -> list[str]:
    return TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def grams(text: str) -> Counter[tuple[str, ...]]:
    tokens = words(text)
    if len(tokens) < N:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + N]) for i in range(len(tokens) - N + 1))


@dataclass(frozen=True)
class Score:
    precision: float | None  # None: the extractor gave nothing (left out of the average)
    recall: float | None  # None: nothing expected
    f1: float


def score(extracted: str, truth: str) -> Score:
    got, want = grams(extracted), grams(truth)
    if got == want:
        return Score(1.0, 1.0, 1.0)
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else None
    recall = common / sum(want.values()) if want else None
    f1 = 2 * common / (sum(got.values()) + sum(want.values()))
    return Score(precision, recall, f1)


def mean(values: list[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else 0.0


def summary(scores: list[Score]) -> tuple[float, float, float, float]:
    """(F1, precision, recall, page F1) over pages, as the article-extraction-benchmark."""
    precision = mean([s.precision for s in scores])
    recall = mean([s.recall for s in scores])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall, mean([s.f1 for s in scores])


# fmt: off
BLOCKS = frozenset([
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
])
# fmt: on


def block_text(element: lxml.html.HtmlElement) -> str:
    """The element's text as a browser lays it out: a line break around each block element
    (``text_content()`` runs "end</p><p>Start" and "a<br>b" together into one word)."""
    parts: list[str] = []
    _block_text(element, parts)
    return "".join(parts)


def _block_text(element: lxml.html.HtmlElement, parts: list[str]) -> None:
    if not isinstance(element.tag, str):  # a comment or processing instruction: no text
        return
    block = element.tag in BLOCKS
    parts.append("\n" if block else "")
    parts.append(element.text or "")
    for child in element:
        _block_text(child, parts)
        parts.append(child.tail or "")
    parts.append("\n" if block else "")


def normalized(value: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    text = re.sub(r"^by\s+", "", text)
    return re.sub(r"^[\W_]+|[\W_]+$", "", text)


def same(got: str | None, want: str | None) -> bool | None:
    """Whether a title or byline is right; None when it cannot be scored."""
    if got is None or not want or not normalized(want):
        return None
    return normalized(got) == normalized(want)


def with_ingest(page: Page) -> Output:
    record = replace(page.record, metadata=dict(page.record.metadata))  # clean works in place
    (cleaned,) = clean_records([record], CleanConfig())
    metadata = cleaned.metadata
    return Output(
        cleaned.text, metadata["title"], metadata["author"], metadata["publisher"], metadata["date"]
    )


def on_text(extract: Callable[[str], Output]) -> Callable[[Page], Output]:
    return lambda page: extract(page.record.text)


def trafilatura_text(html: str) -> Output:
    return Output(trafilatura.extract(html) or "")


def trafilatura_metadata(favor_precision: bool) -> Callable[[str], Output]:
    def extract(html: str) -> Output:
        document = trafilatura.bare_extraction(
            html, with_metadata=True, favor_precision=favor_precision
        )
        if document is None:
            return Output("", "", "", "", "")
        return Output(
            document.text or "",
            document.title or "",
            document.author or "",
            document.sitename or "",
            document.date or "",
        )

    return extract


def with_readability(html: str) -> Output:
    from readability import Document

    document = Document(html)
    summary = document.summary(html_partial=True)
    return Output(block_text(lxml.html.fromstring(summary)), document.short_title())


def with_justext(html: str) -> Output:
    import justext

    paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"))
    return Output("\n".join(p.text for p in paragraphs if not p.is_boilerplate))


BASELINE = "trafilatura extract()"  # the CPU ratio is to its time, in the same run
COLD_INGEST = "ingest clean"
EXTRACTORS: dict[str, Callable[[Page], Output]] = {
    "ingest clean": with_ingest,
    "trafilatura extract()": on_text(trafilatura_text),
    "trafilatura + metadata": on_text(trafilatura_metadata(False)),
    "trafilatura favor_precision + metadata": on_text(trafilatura_metadata(True)),
    "readability-lxml": on_text(with_readability),
    "jusText (English stoplist)": on_text(with_justext),
}


def readability_pages(folder: Path) -> list[Page]:
    found = []
    for page in sorted(p for p in folder.iterdir() if (p / "source.html").exists()):
        truth = block_text(lxml.html.fromstring((page / "expected.html").read_text("utf-8")))
        if not words(truth):
            continue
        expected = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
        (record,) = read_records([str(page / "source.html")])
        published = expected.get("publishedTime") or ""
        date = published[:10] if re.match(r"\d{4}-\d\d-\d\d", published) else None
        found.append(
            Page(
                page.name,
                record,
                truth,
                expected.get("title"),
                expected.get("byline"),
                expected.get("siteName"),
                date,
            )
        )
    return found


def written_pages(tmp: Path) -> list[Page]:
    found = []
    for page in hand_pages():
        path = tmp / f"{page.name}.html"
        path.write_bytes(page.html)
        (record,) = read_records([str(path)])
        found.append(Page(page.name, record, page.truth))
    return found


@dataclass
class Result:
    outputs: list[Output]
    seconds: float  # summed over pages, each the best of the repeats


def run_all(pages: list[Page], repeat: int) -> dict[str, Result | str]:
    """Every extractor on every page, taking turns page by page so that the load of a shared
    machine falls on all of them alike; a page's time is the best of ``repeat`` runs."""
    available: dict[str, Callable[[Page], Output]] = {}
    results: dict[str, Result | str] = {}
    for name, extract in EXTRACTORS.items():
        try:
            extract(pages[0])
            available[name] = extract
        except ImportError as error:
            results[name] = f"not installed ({error.name})"
    runs = {name: Result([], 0.0) for name in available}
    for page in pages:
        best = dict.fromkeys(available, float("inf"))
        for attempt in range(repeat):
            for name, extract in available.items():
                started = time.process_time()
                output = extract(page)
                best[name] = min(best[name], time.process_time() - started)
                if attempt == 0:
                    runs[name].outputs.append(output)
        for name in available:
            runs[name].seconds += best[name]
    return {name: runs.get(name) or results[name] for name in EXTRACTORS}


def accuracy(results: list[bool | None]) -> str:
    scored = [r for r in results if r is not None]
    return f"{sum(scored)}/{len(scored)}" if scored else "-"


def lost_spans(truth: str, extracted: str) -> list[str]:
    """The runs of the expected words that no matched 4-gram covers, longest first."""
    tokens, left = words(truth), grams(extracted)
    covered = [False] * len(tokens)
    for i in range(len(tokens) - N + 1):
        gram = tuple(tokens[i : i + N])
        if left[gram] > 0:
            left[gram] -= 1
            covered[i : i + N] = [True] * N
    runs, start = [], None
    for i, done in enumerate([*covered, True]):
        if not done and start is None:
            start = i
        elif done and start is not None:
            runs.append(" ".join(tokens[start:i]))
            start = None
    return sorted(runs, key=lambda run: -len(run.split()))


def print_lost(pages: list[Page], results: dict[str, Result | str], count: int) -> None:
    """The ``count`` pages of lowest ingest recall: what ingest and ``extract()`` recall, and
    the longest runs of expected text ingest lacks."""
    ours, theirs = results[COLD_INGEST], results[BASELINE]
    if not isinstance(ours, Result) or not isinstance(theirs, Result):
        return
    rows = [
        (score(o.text, p.truth), score(t.text, p.truth), o, p)
        for o, t, p in zip(ours.outputs, theirs.outputs, pages, strict=True)
    ]
    rows.sort(key=lambda row: (row[0].recall or 0.0, row[3].name))
    print(f"\n{count} pages of lowest ingest recall (R ingest / R extract()), longest runs lost:")
    for mine, base, output, page in rows[:count]:
        runs = " | ".join(run[:80] for run in lost_spans(page.truth, output.text)[:3])
        print(f"  {page.name}: {mine.recall or 0:.2f} / {base.recall or 0:.2f}: {runs}")


def report(
    label: str, pages: list[Page], verbose: bool, repeat: int, per_page: bool, lost: int = 0
) -> None:
    rows, worst, table_of_pages = [], {}, {}
    results = run_all(pages, repeat)
    baseline = results[BASELINE]
    base_seconds = baseline.seconds if isinstance(baseline, Result) else 0.0
    for name, result in results.items():
        if isinstance(result, str):
            rows.append([name, result, *[""] * 10])
            continue
        pairs = list(zip(result.outputs, pages, strict=True))
        scores = [score(o.text, p.truth) for o, p in pairs]
        f1, precision, recall, page_f1 = summary(scores)
        rows.append(
            [
                name,
                f"{f1:.3f}",
                f"{precision:.3f}",
                f"{recall:.3f}",
                f"{page_f1:.3f}",
                sum(1 for s in scores if s.f1 < 0.8),
                accuracy([same(o.title, p.title) for o, p in pairs]),
                accuracy([same(o.byline, p.byline) for o, p in pairs]),
                accuracy([same(o.site, p.site) for o, p in pairs]),
                accuracy([same(o.date, p.date) for o, p in pairs]),
                f"{result.seconds / len(pages) * 1000:.1f}",
                f"{result.seconds / base_seconds:.2f}" if base_seconds else "-",
            ]
        )
        ranked = sorted(zip(scores, pages, strict=True), key=lambda sp: (sp[0].f1, sp[1].name))
        worst[name] = ranked[:WORST]
        table_of_pages[name] = scores
    print(f"\n{label}: {len(pages)} pages\n")
    header = ["extractor", "F1", "precision", "recall", "page F1", "F1<0.8", "title", "byline"]
    header += ["site", "date"]
    header += ["ms/page", "CPU x extract()"]
    print(table(rows, header))
    if verbose:
        for name, ranked in worst.items():
            listed = ", ".join(
                f"{p.name} {s.f1:.2f} (P {s.precision or 0:.2f} R {s.recall or 0:.2f})"
                for s, p in ranked
            )
            print(f"  worst {name}: {listed}")
    if per_page:
        print_pages(pages, table_of_pages)
    if lost:
        print_lost(pages, results, lost)


def print_pages(pages: list[Page], scores: dict[str, list[Score]]) -> None:
    """F1 / precision / recall of each page for each extractor (- for nothing given)."""
    names = list(scores)

    def cell(s: Score) -> str:
        return " ".join(f"{v:.2f}" if v is not None else "-" for v in (s.f1, s.precision, s.recall))

    rows = [[page.name, *[cell(scores[n][i]) for n in names]] for i, page in enumerate(pages)]
    print(table(rows, ["page (F1 P R)", *names]))


def one_pass(name: str, folder: Path) -> float:
    """CPU ms/page of one extractor over the readability pages, each page once (as a corpus
    run sees them: no page's own work cached by an earlier run of it, or of another
    extractor sharing trafilatura's caches)."""
    pages = readability_pages(folder)
    extract = EXTRACTORS[name]
    extract(pages[0])  # imports and first-use tables (jusText's stoplists) out of the timing
    started = time.process_time()
    for page in pages:
        extract(page)
    return (time.process_time() - started) / len(pages) * 1000


def cold_rounds(folder: Path, rounds: int) -> None:
    """ingest and ``extract()`` alone, each in a fresh process, taking turns round by round;
    the median of the rounds' ratios (both sides of a ratio ran under nearly the same load)."""
    times: dict[str, list[float]] = {COLD_INGEST: [], BASELINE: []}
    for _ in range(rounds):
        for name in times:
            command = [sys.executable, __file__, "--pages", str(folder), "--one-pass", name]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            times[name].append(float(done.stdout))
    ratios = [a / b for a, b in zip(times[COLD_INGEST], times[BASELINE], strict=True)]
    rows = [
        [name, f"{statistics.median(ms):.1f}", " ".join(f"{t:.1f}" for t in ms)]
        for name, ms in times.items()
    ]
    print(f"\nEach page once, a fresh process per pass, {rounds} rounds:\n")
    print(table(rows, ["extractor", "median ms/page", "rounds"]))
    listed = " ".join(f"{r:.2f}" for r in ratios)
    print(f"CPU ingest / extract(): median {statistics.median(ratios):.2f} (rounds: {listed})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--verbose", action="store_true", help="list the worst pages")
    parser.add_argument("--pages", type=Path, default=READABILITY, help="readability pages")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page for the time")
    parser.add_argument("--per-page", action="store_true", help="F1 P R of every page")
    parser.add_argument(
        "--cold", type=int, default=0, metavar="N", help="also N rounds of one-pass CPU time"
    )
    parser.add_argument(
        "--lost", type=int, default=0, metavar="N", help="what the N pages of lowest recall lack"
    )
    parser.add_argument("--one-pass", help=argparse.SUPPRESS)  # a round of --cold
    args = parser.parse_args()
    if args.one_pass:
        print(one_pass(args.one_pass, args.pages))
        return
    if args.pages.is_dir():
        pages = readability_pages(args.pages)
        report(
            "readability pages (real)", pages, args.verbose, args.repeat, args.per_page, args.lost
        )
        if args.cold:
            cold_rounds(args.pages, args.cold)
    else:
        print(f"{args.pages}: not found, readability pages skipped")
    with tempfile.TemporaryDirectory() as tmp:
        pages = written_pages(Path(tmp))
        report("hand-written pages", pages, args.verbose, args.repeat, args.per_page)


if __name__ == "__main__":
    main()
