"""Pass 2 signs a document from pass 1's layout of it (``CommonParts.chunk_stories``) instead
of splitting and normalizing its text again: the same story, to the word, as from the text
(``CommonParts.compared``); and where the layout cannot tell, the text is sent
(``CommonParts.needs_text``)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import Record, sharedfile
from ingest.dedupe import DedupeConfig, Deduplicator, work
from ingest.dedupe.common import CommonParts
from ingest.dedupe.minhash import fold_shingles, token_hashes
from ingest.dedupe.shingles import normalize_for_shingles, sentence_pieces
from ingest.dedupe.work import Placed, Seen, Story, Survey, close_layouts, layout_run

from .conftest import SAMPLES, invoke, parse_jsonl

SITE = "news.example"
NGRAM = 3


def placed_of(seen: Seen, run: str) -> Placed:
    """Pass 2's chunk of documents surveyed in pass 1, as the main process sends it (no
    record: what the layouts tell is what pass 2 has)."""
    return Placed(
        records=[None] * len(seen.sites),
        sites=seen.sites,
        units=["word"] * len(seen.sites),
        line_keys=seen.line_order,
        line_counts=seen.line_counts,
        exact=seen.exact,
        lengths=seen.lengths,
        line_words=seen.line_words,
        sentence_keys=seen.sentence_order,
        sentence_counts=seen.sentence_counts,
        laid_out=seen.laid_out,
        layouts=seen.layouts,
        run=run,
    )


def story_of(record: Record, common: CommonParts) -> tuple[Story, bool, int]:
    """What pass 2 makes of one record from pass 1's layout of it (through ``Seen``, the
    layout file and ``Placed``): its story (``None``: its text decides), whether it was laid
    out, and the length of its normalized text."""
    run = layout_run()
    try:
        seen = Survey("auto", True, True, run)([record])
        placed = placed_of(seen, run)
        [(_, _, _, _, known, story)] = list(placed.documents(common))
    finally:
        close_layouts(run)
    assert known is not None
    return story, bool(seen.laid_out[0]), known[1]


def needs_text(common: CommonParts, record: Record) -> bool:
    """Whether the main process sends this record's text to pass 2 (``_placed``)."""
    run = layout_run()
    seen = Survey("auto", True, True, run)([record])
    close_layouts(run)
    sited = np.array([bool(seen.sites[0])])
    flagged = common.needs_text(
        seen.line_order, seen.line_words, seen.line_counts, sited, seen.word_counts
    )
    return bool(flagged[0]) or not seen.laid_out[0]


def common_of(record: Record, line_share: float, sentence_share: float, seed: int) -> CommonParts:
    """Common parts made of some of the record's own lines and sentences (and of keys it
    does not hold), with the shingles of some other sentences as the variants."""
    rng = random.Random(seed)
    seen = Survey("auto", True, True)([record])
    lines = [int(k) for k in seen.line_order if k and rng.random() < line_share]
    sentences = [int(k) for k in seen.sentence_order if rng.random() < sentence_share]
    pieces = sentence_pieces(record.text)
    variants = [fold_shingles(token_hashes(p, "word"), NGRAM) for p in pieces if rng.random() < 0.3]
    common = CommonParts(
        np.unique(np.array([*lines, 12345], dtype=np.uint64)),
        np.unique(np.array([*sentences, 67890], dtype=np.uint64)),
        NGRAM,
    )
    if variants and rng.random() < 0.5:
        common.variants = np.unique(np.concatenate(variants))
    return common


LINE_WORDS = st.sampled_from(
    ["Home", "News", "rain", "Gov.", "N.Y.", "fell", "qqsentencebreakqq", "ＵＮ", "café", "人权"]
)
LINE_PUNCTUATION = st.sampled_from([" ", " | ", ". ", "! ", "? ", '." ', " -- ", ", ", "…"])
LINE = st.lists(st.tuples(LINE_WORDS, LINE_PUNCTUATION), max_size=6).map(
    lambda parts: "".join(word + mark for word, mark in parts)
)
BLANK = st.sampled_from(["", " ", "\t", "\r", " \u3000"])
TEXT = st.lists(LINE | BLANK | st.sampled_from(["---", "|", "!", "©"]), max_size=14).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(
    TEXT,
    st.booleans(),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(0, 2**16),
)
def test_a_story_from_the_layout_is_the_story_from_the_text(
    text: str, with_site: bool, line_share: float, sentence_share: float, seed: int
) -> None:
    metadata = {"url": f"https://{SITE}/a"} if with_site else {}
    record = Record(id="a", text=text, metadata=metadata)
    common = common_of(record, line_share, sentence_share, seed)
    found, _, length = story_of(record, common)
    site = SITE if with_site else ""
    compared, framed = common.compared(text, site, "word", len(normalize_for_shingles(text)))
    if found is None:
        # Where the layout cannot tell, the main process has sent the text.
        assert needs_text(common, record)
    else:
        assert found[0].tolist() == token_hashes(compared, "word").tolist()
        assert found[1] == framed
    assert length == len(normalize_for_shingles(text))


def common_of_all(
    records: list[Record], line_share: float, sentence_share: float, seed: int
) -> CommonParts:
    """``common_of`` for several records: some of their lines' and sentences' keys."""
    rng = random.Random(seed)
    seen = Survey("auto", True, True)(records)
    lines = [int(k) for k in seen.line_order if k and rng.random() < line_share]
    sentences = [int(k) for k in seen.sentence_order if rng.random() < sentence_share]
    common = CommonParts(
        np.unique(np.array([*lines, 12345], dtype=np.uint64)),
        np.unique(np.array([*sentences, 67890], dtype=np.uint64)),
        NGRAM,
    )
    if rng.random() < 0.3:
        pieces = [p for r in records for p in sentence_pieces(r.text) if rng.random() < 0.3]
        found = [fold_shingles(token_hashes(p, "word"), NGRAM) for p in pieces]
        if found:
            common.variants = np.unique(np.concatenate(found))
    return common


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(TEXT, st.booleans()), min_size=1, max_size=6),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(0, 2**16),
)
def test_a_chunk_s_stories_are_each_document_s(
    texts: list[tuple[str, bool]], line_share: float, sentence_share: float, seed: int
) -> None:
    # Pass 2 decides the stories of a whole chunk by array operations (chunk_stories),
    # leaving to the text only the documents it cannot decide.
    records = [
        Record(id=f"r{n}", text=text, metadata={"url": f"https://{SITE}/{n}"} if sited else {})
        for n, (text, sited) in enumerate(texts)
    ]
    common = common_of_all(records, line_share, sentence_share, seed)
    run = layout_run()
    try:
        seen = Survey("auto", True, True, run)(records)
        placed = placed_of(seen, run)
        told = [found for *_, found in placed.documents(common)]
    finally:
        close_layouts(run)
    for record, site, found in zip(records, seen.sites, told, strict=True):
        whole = len(normalize_for_shingles(record.text))
        compared, framed = common.compared(record.text, site, "word", whole)
        if found is None:
            assert needs_text(common, record) or not seen.laid_out[records.index(record)]
            continue
        assert found[0].tolist() == token_hashes(compared, "word").tolist()
        assert found[1] == framed


def test_a_paragraph_that_keeps_some_of_its_lines_needs_the_text() -> None:
    # The breadcrumb is common, the headline below it (same paragraph) is not: without the
    # breadcrumb, the headline's sentence changes, so the layout cannot tell it.
    text = "Home | News\nRain closes roads in the north\n\nThe river rose. Roads closed."
    record = Record(id="a", text=text, metadata={"url": f"https://{SITE}/a"})
    seen = Survey("auto", True, True)([record])
    common = CommonParts(np.sort(seen.line_order[:1]), np.zeros(0, np.uint64), NGRAM)
    story, laid_out, _ = story_of(record, common)
    assert laid_out and story is None
    assert needs_text(common, record)
    # A paragraph of common lines only: the layout tells the story.
    alone = Record(id="b", text=text.replace("\nRain", "\n\nRain"), metadata=record.metadata)
    story, laid_out, _ = story_of(alone, common)
    assert laid_out and not needs_text(common, alone)
    words, framed = story or (None, None)
    story = "rain closes roads in the north the river rose roads closed"
    assert framed and words is not None
    assert words.tolist() == token_hashes(story, "word").tolist()


def test_a_text_that_spells_the_sentence_mark_is_not_laid_out() -> None:
    record = Record(id="a", text="It rained qqsentencebreakqq here. Roads closed.")
    story, laid_out, _ = story_of(record, CommonParts.none())
    assert story is None and not laid_out
    assert needs_text(CommonParts.none(), record)


def framed_corpus(count: int, seed: int) -> list[Record]:
    """Stories in two sites' frames: a header paragraph, a breadcrumb glued to the
    headline on some pages (a paragraph that loses one of its lines), a footer."""
    rng = random.Random(seed)
    words = [
        "rain",
        "river",
        "city",
        "council",
        "school",
        "road",
        "bridge",
        "storm",
        "market",
        "court",
        "vote",
    ]
    records = []
    for n in range(count):
        site = ("north", "south")[n % 2]
        story = ". ".join(
            " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))) for _ in range(5)
        )
        headline = " ".join(rng.choice(words) for _ in range(6)).title()
        top = f"{site.title()} Daily | Home | Sport | Weather"
        crumb = f"Home > {site.title()} > News\n" if n % 3 == 0 else ""
        text = f"{top}\n\n{crumb}{headline}\n\n{story}.\n\nCopyright {site.title()} Daily."
        records.append(Record(id=f"{site}-{n}", text=text, metadata={"url": f"https://{site}/{n}"}))
    # Near copies of a few stories on the other site.
    for n in range(0, count, 7):
        copy = records[n]
        other = "south" if copy.id.startswith("north") else "north"
        text = copy.text.replace(copy.id.split("-")[0].title(), other.title())
        records.append(Record(id=f"copy-{n}", text=text, metadata={"url": f"https://{other}/c{n}"}))
    return records


def slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every document signed from its text, as before layouts."""
    monkeypatch.setattr(
        CommonParts, "chunk_stories", lambda self, chunk: [None] * len(chunk.word_counts)
    )
    monkeypatch.setattr(
        CommonParts,
        "needs_text",
        lambda self, keys, words, counts, sited, word_counts: np.ones(len(counts), dtype=bool),
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_layouts_give_the_output_the_texts_give(monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    records = framed_corpus(60, seed=4)
    config = DedupeConfig(common_lines=3, common_sentences=3, mark=True)
    fast = Deduplicator(config, jobs=jobs)
    fast_out = [(r.id, r.metadata["dedupe"]) for r in fast.run(records)]
    with monkeypatch.context() as patched:
        slow_path(patched)
        slow = Deduplicator(config, jobs=1)
        slow_out = [(r.id, r.metadata["dedupe"]) for r in slow.run(records)]
    assert fast_out == slow_out
    assert list(fast.clusters()) == list(slow.clusters())
    assert fast.stats.near > 0
    framed = fast._table.framed
    assert framed.sum() > len(records) / 2  # most are compared on their story


def test_layouts_through_the_cli_on_the_samples_and_a_framed_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    cleaned = invoke(["clean", str(SAMPLES)])
    assert cleaned.exit_code == 0, cleaned.stderr
    framed = "".join(
        f'{{"id": "{r.id}", "text": {json_string(r.text)}, "metadata": '
        f'{{"url": "{r.metadata["url"]}"}}}}\n'
        for r in framed_corpus(40, seed=9)
    )
    corpus.write_text(cleaned.stdout + framed, encoding="utf-8")
    arguments = ["dedupe", "--mark", "--common-lines", "3", str(corpus)]
    fast = {jobs: invoke([*arguments, "-j", jobs]) for jobs in ("1", "2")}
    assert fast["1"].exit_code == 0 and fast["1"].stdout == fast["2"].stdout
    with monkeypatch.context() as patched:
        slow_path(patched)
        slow = invoke([*arguments, "-j", "1"])
    assert slow.exit_code == 0 and slow.stdout == fast["1"].stdout
    assert any(r["metadata"]["dedupe"]["duplicate_of"] for r in parse_jsonl(fast["1"].stdout))


def json_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


@pytest.mark.parametrize("by_name", [False, True])
@pytest.mark.parametrize("jobs", [1, 2])
def test_the_layout_files_go_with_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int, by_name: bool
) -> None:
    # Pass 1's layouts (and the spool) are written to temporary files by each process (the
    # workers included) and read back by others: unnamed, through /proc, or (by_name, where
    # there is no /proc) in a folder of the run's. Nothing is left when the run ends, also
    # when it fails half-way.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    if by_name:  # both modules: work imported through_proc by name
        for module in (sharedfile, work):
            monkeypatch.setattr(module, "through_proc", lambda: False)
    records = framed_corpus(40, seed=2)
    kept = list(Deduplicator(DedupeConfig(), jobs=jobs).run(records))
    assert 0 < len(kept) < len(records)
    assert list(tmp_path.iterdir()) == []

    def failing() -> Iterator[Record]:
        yield from records
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="went away"):
        list(Deduplicator(DedupeConfig(), jobs=jobs).run(failing()))
    assert list(tmp_path.iterdir()) == []


def test_without_proc_the_workers_layout_files_go_with_the_run_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where there is no /proc, the layouts are named files in a folder of the run's
    # (layout_run), the workers' too, and the folder goes when the run ends: the workers
    # never close their files. Both modules are patched (work imported through_proc by
    # name): with sharedfile's alone, layout_run is a bare name and, once a run has more
    # than one chunk (so that workers write layouts), their files stay in TMPDIR.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    records = framed_corpus(600, seed=3)  # three chunks of pass 1: the workers take them
    expected = [(r.id, r.text) for r in Deduplicator(DedupeConfig(), jobs=1).run(records)]
    for module in (sharedfile, work):
        monkeypatch.setattr(module, "through_proc", lambda: False)
    folders: dict[str, list[str]] = {}
    remove = shutil.rmtree

    def listed_rmtree(path: str, ignore_errors: bool = False) -> None:
        folders[path] = sorted(os.listdir(path))
        remove(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(work.shutil, "rmtree", listed_rmtree)
    kept = [(r.id, r.text) for r in Deduplicator(DedupeConfig(), jobs=2).run(records)]
    assert kept == expected
    [(folder, files)] = folders.items()
    assert Path(folder).parent == tmp_path and files  # the workers' layout files were there
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not sharedfile.through_proc(), reason="files are unnamed only with /proc")
def test_a_killed_run_leaves_no_temporary_file(tmp_path: Path) -> None:
    # The spool and the layout files are unnamed: a run killed half-way (SIGKILL: no
    # cleanup runs) leaves nothing in the temporary folder, its workers' files included.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    feed = tmp_path / "feed"
    os.mkfifo(feed)
    env = {**os.environ, "TMPDIR": str(temporary)}
    command = [sys.executable, "-m", "ingest", "dedupe", "-q", "-j", "2", str(feed)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    lines = [
        json.dumps({"id": r.id, "text": r.text, "metadata": r.metadata})
        for r in framed_corpus(700, seed=5)
    ]
    with feed.open("w") as writer:
        writer.write("\n".join(lines) + "\n")
        writer.flush()
        workers = _wait_for_children(process.pid)
        assert workers, "the workers did not start"
        process.send_signal(signal.SIGKILL)
        process.wait()
    for pid in workers:
        _wait_until_gone(pid)
    assert list(temporary.iterdir()) == []


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(n) for n in path.read_text().split()] if path.exists() else []


def _wait_for_children(pid: int, seconds: float = 20.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := _children(pid):
            time.sleep(0.5)  # the workers at work on the chunks in flight
            return _children(pid) or found
        time.sleep(0.05)
    return []


def _wait_until_gone(pid: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_runs_in_one_pool_read_their_own_files() -> None:
    # A caller's workers() block keeps one pool for several runs: each run's spool and
    # layout files are read by their own name, even where /proc gives a later file the
    # path (descriptor number) of an earlier one, and the workers let the earlier go.
    from ingest.parallel import workers

    corpora = [framed_corpus(300, seed=seed) for seed in (11, 12, 13)]
    alone = [[r.id for r in Deduplicator(DedupeConfig(), jobs=2).run(c)] for c in corpora]
    with workers(2):
        shared = [[r.id for r in Deduplicator(DedupeConfig(), jobs=2).run(c)] for c in corpora]
    assert shared == alone
    assert all(0 < len(kept) < 300 + 43 for kept in alone)
