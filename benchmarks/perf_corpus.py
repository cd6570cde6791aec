"""A generated news-like corpus for the speed benchmarks, with planted near copies.

Real data lacks what a speed run needs: tens of thousands to a million documents with a
known number of copies. Each document (about 2 KB) is a headline and paragraphs of
sentences drawn from a Zipf-distributed vocabulary, wrapped in its site's header and footer
(``metadata.url`` names the site). One document in ten (the last of each block of ten) is a
near copy of an original from an earlier block, with some of these edits: republished by
another site (three in ten: that site's header and footer), up to 1.5% of the words
replaced, the last sentence cut (one in five), a dateline added (three in ten). About two
in three copies keep a word 5-gram Jaccard similarity of 0.8 or more with their original.
Every copy has its own original, so the true number of documents to keep is
``count - count // 10`` (originals: ids ``d<n>``, copies ``c<n>``).

Each document is made from its own seed, so a copy regenerates its original instead of
holding it, and the corpus is the same for every run and every ``count`` prefix.

    python benchmarks/perf_corpus.py 20000 > corpus.jsonl
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

SITES = 40
VOCABULARY = 30_000
ZIPF_EXPONENT = 1.05
# A copy's original lies this many blocks of ten back (or in its own block, at the start).
COPY_DISTANCE = 37
# Copies published by another site; the share of words a copy edits, at most.
SYNDICATED = 0.3
MAX_EDIT_RATE = 0.015
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
CITIES = ("GENEVA", "NAIROBI", "LIMA", "OSLO", "HANOI", "QUITO", "ACCRA", "DHAKA")


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    text: str
    url: str
    original: str  # the id of the original for a copy; its own id for an original


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[list[str], list[float]]:
    rng = random.Random(7)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = [1.0 / (rank**ZIPF_EXPONENT) for rank in range(1, VOCABULARY + 1)]
    return words, list(itertools.accumulate(weights))


def _sentence(rng: random.Random) -> str:
    words, cumulative = _vocabulary()
    chosen = rng.choices(words, cum_weights=cumulative, k=rng.randint(8, 26))
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."


def _chrome(site: int) -> tuple[str, str]:
    rng = random.Random(f"site{site}")
    header = " | ".join(_sentence(rng).split()[:6]).replace(".", "")
    footer = f"site{site}.example: " + " ".join(_sentence(rng) for _ in range(2))
    return header, footer


def _body(n: int) -> tuple[str, list[list[str]]]:
    """Headline and paragraphs (lists of sentences) of original ``n``: about 2 KB."""
    rng = random.Random(f"doc{n}")
    headline = " ".join(_sentence(rng).split()[:9]).rstrip(".")
    paragraphs = [[_sentence(rng) for _ in range(rng.randint(2, 4))] for _ in range(5)]
    return headline, paragraphs


def _page(site: int, headline: str, paragraphs: list[list[str]], n: int) -> Document:
    header, footer = _chrome(site)
    text = "\n\n".join([header, headline, *(" ".join(p) for p in paragraphs), footer])
    url = f"https://site{site}.example/2026/{n}"
    return Document(f"d{n}", text, url, f"d{n}")


def _original(n: int) -> Document:
    headline, paragraphs = _body(n)
    return _page(n % SITES, headline, paragraphs, n)


def _copy(n: int) -> Document:
    block = n // 10
    source_block = block - COPY_DISTANCE if block >= COPY_DISTANCE else block
    # Offsets 0-3 for copies in their own block, 4-8 for the others: one copy per original.
    rng = random.Random(f"copy{n}")
    offset = rng.randint(4, 8) if block >= COPY_DISTANCE else rng.randint(0, 3)
    source = 10 * source_block + offset
    headline, paragraphs = _body(source)
    paragraphs = [list(p) for p in paragraphs]
    words, cumulative = _vocabulary()
    rate = rng.uniform(0.0, MAX_EDIT_RATE)
    for paragraph in paragraphs:
        for i, sentence in enumerate(paragraph):
            tokens = sentence.split()
            for t in range(len(tokens)):
                if rng.random() < rate:
                    tokens[t] = rng.choices(words, cum_weights=cumulative)[0]
            paragraph[i] = " ".join(tokens)
    if rng.random() < 0.2 and len(paragraphs[-1]) > 1:
        paragraphs[-1].pop()
    if rng.random() < 0.3:
        paragraphs[0][0] = f"{rng.choice(CITIES)}, Dec 1 (Wire) - {paragraphs[0][0]}"
    site = source % SITES
    if rng.random() < SYNDICATED:  # republished by another site, in its header and footer
        site = (site + 1 + rng.randrange(SITES - 1)) % SITES
    page = _page(site, headline, paragraphs, n)
    return Document(f"c{n}", page.text, page.url, f"d{source}")


def documents(count: int) -> Iterator[Document]:
    """The first ``count`` documents of the corpus, in order."""
    for n in range(count):
        yield _copy(n) if n % 10 == 9 else _original(n)


def true_kept(count: int) -> int:
    """How many documents a perfect dedupe keeps: the originals."""
    return count - count // 10


def as_json(document: Document) -> str:
    return json.dumps(
        {"id": document.id, "text": document.text, "metadata": {"url": document.url}},
        ensure_ascii=False,
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    for document in documents(count):
        sys.stdout.write(as_json(document) + "\n")


if __name__ == "__main__":
    main()
