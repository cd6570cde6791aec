"""The contract between the dedupe engines: the Spark engine's steps, done here in plain
Python with the same ``engine_api`` calls, keep exactly what the local engine keeps.

(The Spark runs themselves are in ``test_dedupe_spark.py``, marked ``spark``.)
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest import Record, read_records
from ingest.dedupe import DedupeConfig, Deduplicator
from ingest.dedupe.cluster import EXHAUSTIVE_COMPONENT, MAX_BUCKET_ALL_PAIRS, UnionFind
from ingest.dedupe.engine_api import (
    Featurizer,
    band_keys,
    bucket_pairs,
    common_parts,
    decide_component,
    exact_group,
    frame_keys,
    lsh_bands,
    variant_keys,
    verified,
)

from .conftest import ROOT, invoke, run_ingest

sys.path.insert(0, str(ROOT / "benchmarks"))
from spark_corpus import write_corpus

Outcome = tuple[dict[str, tuple[str, float, bool]], list[dict[str, Any]]]


def as_spark_does(records: list[Record], config: DedupeConfig) -> Outcome:
    """Duplicates (id -> kept id, similarity, exact) and clusters, by the Spark engine's
    steps: frame counts, features, exact groups, band buckets, verification, components."""
    keys = list(frame_keys(records, config))
    lines = frequent([k for line_keys, _ in keys for k in line_keys], config.common_lines)
    sentences = frequent([k for _, s in keys for k in s], config.common_sentences)
    common = common_parts(lines, sentences, config)
    if len(common.sentences):
        found = set().union(*variant_keys(records, common, config))
        common.variants = np.array(sorted(found), dtype=np.uint64)
    members = list(zip(records, Featurizer(config, common).features(records), strict=True))
    ids = [record.id for record in records]
    edges: list[tuple[int, int]] = []
    by_exact: dict[int, list[int]] = defaultdict(list)
    for number, (_, row) in enumerate(members):
        by_exact[int(row["exact"])].append(number)
    copies = set()
    for group in (g for g in by_exact.values() if len(g) > 1):
        best = group[exact_group([members[n] for n in group], config, common)]
        edges += [(best, n) for n in group if n != best]
        copies.update(n for n in group if n != best)
    active = [n for n, (_, row) in enumerate(members) if row["sizes"] > 0 and n not in copies]
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    band_rows = band_keys([members[n][1] for n in active], *lsh_bands(config))
    for number, row in zip(active, band_rows.tolist(), strict=True):
        for band, key in enumerate(row):
            buckets[(band, key)].append(number)
    pairs = sorted(
        {tuple(p) for m in buckets.values() if len(m) > 1 for p in bucket_pairs(m).tolist()}
    )
    passed = verified([(members[a], members[b]) for a, b in pairs], config, common)
    good = [pair for pair, ok in zip(pairs, passed, strict=True) if ok]
    union = UnionFind()
    for a, b in edges + good:
        union.link(a, b)
    duplicates, clusters = {}, []
    for component in union.components():
        inside = set(component)
        mine = [(a, b) for a, b in good if a in inside]
        result = decide_component(component, [members[n] for n in component], mine, config, common)
        for number, decision in result.decisions.items():
            kept = ids[decision.kept]
            duplicates[ids[number]] = (kept, round(decision.similarity, 4), decision.exact)
        clusters += result.clusters
    return duplicates, [entry for _, entry in sorted(clusters, key=lambda c: c[0])]


def frequent(keys: list[int], floor: int) -> np.ndarray:
    """Sorted keys found ``floor`` times or more (none when ``floor`` is 0)."""
    counts = Counter(keys)
    return np.array(sorted(k for k, n in counts.items() if floor and n >= floor), dtype=np.uint64)


def as_local_does(records: list[Record], config: DedupeConfig) -> Outcome:
    deduplicator = Deduplicator(config)
    marked = list(
        deduplicator.run(Record(r.id, r.text, r.source, dict(r.metadata)) for r in records)
    )
    duplicates = {
        record.id: (
            record.metadata["dedupe"]["duplicate_of"],
            record.metadata["dedupe"]["similarity"],
            deduplicator.duplicates[position].exact,
        )
        for position, record in enumerate(marked)
        if record.metadata["dedupe"]["duplicate_of"]
    }
    return duplicates, list(deduplicator.clusters())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Record]:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 600)
    return list(read_records([str(folder)]))


@pytest.mark.parametrize(
    "config",
    [
        DedupeConfig(mark=True),
        DedupeConfig(keep="longest", mark=True),
        DedupeConfig(keep="metadata", mark=True, common_lines=0, common_sentences=0),
        DedupeConfig(threshold=0.8, ngram=3, shingle="word", mark=True),
    ],
    ids=["first", "longest", "metadata-no-frame", "strict-word3"],
)
def test_the_spark_steps_decide_as_the_local_engine(
    corpus: list[Record], config: DedupeConfig
) -> None:
    spark_way, local_way = as_spark_does(corpus, config), as_local_does(corpus, config)
    assert len(local_way[0]) > 200  # the corpus has copies of every kind, and exact ones
    assert spark_way == local_way


def test_large_buckets_and_components_take_the_same_paths() -> None:
    """Over 64 documents in a bucket (neighbours only) and 512 in a component (linear)."""
    words = " ".join(f"w{n}" for n in range(300)).split()
    rng = random.Random(8)
    records = []
    for n in range(EXHAUSTIVE_COMPONENT + 60):
        edited = list(words)
        for _ in range(6):
            edited[rng.randrange(len(edited))] = f"edit{rng.randrange(50)}"
        records.append(Record(id=f"copy{n:04d}", text=" ".join(edited)))
    assert len(records) > max(MAX_BUCKET_ALL_PAIRS, EXHAUSTIVE_COMPONENT)
    config = DedupeConfig(mark=True, keep="longest")
    assert as_spark_does(records, config) == as_local_does(records, config)


def test_default_engine_does_not_import_pyspark(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "one story"}\n')
    code = (
        "import sys; from ingest.cli import cli\n"
        "try: cli(['dedupe', '-q', sys.argv[1]])\n"
        "except SystemExit: pass\n"
        "sys.stderr.write(str('pyspark' in sys.modules))\n"
    )
    result = run_ingest(["dedupe", "-q", "--engine", "local", str(tmp_path / "in.jsonl")])
    assert result.returncode == 0 and b'"id": "a"' in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "in.jsonl")], capture_output=True
    )
    assert probe.stderr.endswith(b"False")


def test_master_needs_the_spark_engine() -> None:
    result = invoke(["dedupe", "--master", "local[2]", "-"], input=b"")
    assert result.exit_code == 2 and "--master needs --engine spark" in result.stderr
