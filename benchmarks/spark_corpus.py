"""A corpus in several files to compare the dedupe engines on: what both must keep alike.

The development set (real stories of ``samples/`` and ``tests/data``, copies of every kind,
twelve short stories in one long site footer) with its URLs; the held-out set with half of
its URLs dropped, so that some sites are unknown; the short footer stories again without
URLs (framed negatives across the input); exact copies under other ids; ``count`` documents
edited at random from the development set (most distinct, one in ten near its source); and
random extra metadata, so that ``--keep metadata`` has something to choose by. Files are laid
out to test the reading order: ``b/`` sorts before ``b.jsonl``, one file is gzipped.

    python benchmarks/spark_corpus.py corpus/ 3000
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from collections.abc import Iterable
from pathlib import Path

from bench_dedupe import scaled_documents
from dedupe_devset import as_records, build, build_holdout

from ingest import Record

FILES = ("a_dev.jsonl", "b/holdout.jsonl.gz", "b/nourl.jsonl", "b.jsonl", "c/scaled.jsonl")


def corpus_files(count: int, seed: int = 5) -> dict[str, list[Record]]:
    """The corpus's records by file name (relative to its folder), in reading order."""
    rng = random.Random(seed)
    dev = _prefixed("dev", as_records(build(seed)))
    holdout = _prefixed("hold", as_records(build_holdout(seed)))
    for record in holdout[::2]:
        del record.metadata["url"]
    framed = [r for r in dev if r.id.startswith("dev/observer.example/")]
    nourl = [Record(f"nourl/{n}", r.text, "nourl") for n, r in enumerate(framed)]
    exact = [Record(f"exact/{n}", r.text, "exact") for n, r in enumerate(rng.sample(dev, 40))]
    scaled = _prefixed("scaled", as_records(list(scaled_documents(count, seed))))
    for record in (*dev, *holdout, *scaled):
        for key in rng.sample(["title", "author", "date", "lang"], rng.randrange(3)):
            record.metadata[key] = f"{key}-{rng.randrange(100)}"
    return dict(zip(FILES, (dev, holdout, nourl, exact, scaled), strict=True))


def write_corpus(folder: Path, count: int, seed: int = 5) -> list[Record]:
    """Write the corpus below ``folder``; returns its records in reading order."""
    everything = []
    for name, records in corpus_files(count, seed).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(f"{r.to_json()}\n" for r in records).encode("utf-8")
        path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
        everything.extend(records)
    return everything


def _prefixed(prefix: str, records: Iterable[Record]) -> list[Record]:
    return [Record(f"{prefix}/{r.id}", r.text, r.source, dict(r.metadata)) for r in records]


if __name__ == "__main__":
    written = write_corpus(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3000)
    print(json.dumps({"records": len(written)}))
