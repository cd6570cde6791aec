"""``ingest dedupe`` (#6): exact and near copies, CJK, chains, keep rules, outputs, index."""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import Record
from ingest.dedupe import DedupeConfig, Deduplicator, dedupe_records
from ingest.dedupe.cluster import exact_similarity
from ingest.dedupe.minhash import shingle_hashes
from ingest.dedupe.shingles import (
    PIECE_MARK,
    normalize_any,
    normalize_for_shingles,
    normalize_lines,
    ordered_line_keys,
    pieces_and_whole,
    sentence_pieces,
    shingles,
)
from ingest.record import url_host

from .conftest import ROOT, SAMPLES, invoke, parse_jsonl, run_ingest

sys.path.insert(0, str(ROOT / "benchmarks"))
from dedupe_devset import CHROME_KINDS, KINDS, base_stories, make_copy

STORIES = {story: (text, language) for story, text, language in base_stories()}
LONG_EN = "000_7ff7f7698b103f4f.txt"
SHORT_EN = "002_33de37058f0cd80a.txt#1"
ZH = "zh-council-opens"


def kept_ids(records: list[Record], config: DedupeConfig | None = None) -> list[str]:
    return [r.id for r in dedupe_records(records, config or DedupeConfig())]


def test_samples_lose_their_syndicated_copies_and_nothing_else() -> None:
    stories = invoke(["split", "-q"], input=invoke(["clean", "-q", str(SAMPLES)]).stdout_bytes)
    result = invoke(["dedupe"], input=stories.stdout_bytes)
    assert result.exit_code == 0
    records = parse_jsonl(result.stdout_bytes)
    assert len(records) == 39 and not any(r["id"].startswith("syndicated/") for r in records)
    # Two copies are exact once clean has removed the other sites' frames; the third lost
    # its last paragraph and its curly quotes.
    assert "42 in, 39 out, 0 errors, 2 exact and 1 near duplicates removed" in result.stderr


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("story", [LONG_EN, SHORT_EN, ZH])
def test_each_kind_of_copy_is_found(story: str, kind: str) -> None:
    text, language = STORIES[story]
    rng = random.Random(1)
    site = "daily.example" if kind in CHROME_KINDS else "wire.example"
    copy = make_copy(text, language, kind, site, rng)
    records = [
        Record(id="original", text=text, metadata={"url": "https://origin.example/1"}),
        Record(id="copy", text=copy, metadata={"url": f"https://{site}/1"}),
    ]
    if kind in CHROME_KINDS:  # a site's template is on all its pages: give it a few more
        for n, other in enumerate(
            ["zh-tibet-culture", "003_b354eb1718a7a74f.txt", "002_33de37058f0cd80a.txt#5"]
        ):
            other_text, other_language = STORIES[other]
            other_copy = make_copy(other_text, other_language, "header_footer", site, rng)
            records.append(
                Record(id=f"other{n}", text=other_copy, metadata={"url": f"https://{site}/o{n}"})
            )
    assert kept_ids(records)[0] == "original"
    assert "copy" not in kept_ids(records)


def test_different_stories_on_one_topic_are_kept() -> None:
    records = [Record(id=story, text=text) for story, (text, _) in STORIES.items()]
    assert kept_ids(records) == [r.id for r in records]


def test_same_long_footer_around_different_short_stories_is_not_a_copy() -> None:
    footer = " ".join(
        ["This site publishes news and commentary on human rights and development."] * 6
    )
    shorts = [s for s, (t, lang) in STORIES.items() if lang == "en" and len(t.split()) < 40][:8]
    records = [
        Record(
            id=s,
            text=f"{STORIES[s][0]}\n\n{footer}",
            metadata={"url": f"https://observer.example/{n}"},
        )
        for n, s in enumerate(shorts)
    ]
    assert kept_ids(records) == shorts


def test_chinese_copy_with_edited_characters_is_found_by_character_shingles() -> None:
    text = STORIES[ZH][0]
    edited = text.replace("举行", "召开").replace("代表", "人士").replace("国际社会", "世界各国")
    records = [Record(id="a", text=text), Record(id="b", text=edited)]
    assert kept_ids(records) == ["a"]
    assert kept_ids(records, DedupeConfig(shingle="word")) == ["a", "b"]  # no spaces: one "word"


def sentences(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"{a}{b}" for a in "bcdfghklmnprstvz" for b in ("ao", "ei", "iu", "ou", "an")]
    return [" ".join(rng.choice(vocabulary) for _ in range(12)) + "." for _ in range(n)]


def test_chains_do_not_merge_unrelated_documents() -> None:
    s = sentences(12, seed=5)
    a, b, c = " ".join(s[0:8]), " ".join(s[2:10]), " ".join(s[4:12])  # a~b, b~c, a !~ c
    records = [Record(id="a", text=a), Record(id="b", text=b), Record(id="c", text=c)]
    deduplicator = Deduplicator(DedupeConfig(threshold=0.55, mark=True))
    marks = {r.id: r.metadata["dedupe"] for r in deduplicator.run(records)}
    assert marks["b"]["duplicate_of"] == "a"
    assert marks["c"]["duplicate_of"] == ""


def copies_of(story: str) -> list[Record]:
    text, language = STORIES[story]
    rng = random.Random(2)
    return [
        Record(
            id="b-trimmed",
            text=make_copy(text, language, "trim_last", "x", rng),
            metadata={"url": "u"},
        ),
        Record(id="a-original", text=text),
        Record(
            id="c-headline",
            text=make_copy(text, language, "headline", "x", rng),
            metadata={"url": "u", "author": "z"},
        ),
    ]


@pytest.mark.parametrize(
    ("keep", "kept"),
    [("first", "b-trimmed"), ("longest", "c-headline"), ("metadata", "c-headline")],
)
def test_keep_rules(keep: str, kept: str) -> None:
    assert kept_ids(copies_of(LONG_EN), DedupeConfig(keep=keep)) == [kept]


def test_keep_ties_are_broken_by_id() -> None:
    text = STORIES[LONG_EN][0]
    records = [
        Record(id="z", text=text),
        Record(id="m", text=text.upper()),
        Record(id="q", text=text),
    ]
    assert kept_ids(records, DedupeConfig(keep="longest")) == ["m"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n, (story, kind) in enumerate(
        [
            (LONG_EN, "exact"),
            ("004_687f5bdfc5dfbd6b.txt", "edit_words"),
            (ZH, "dateline"),
            (SHORT_EN, "exact"),
        ]
    ):
        text, language = STORIES[story]
        (folder / f"{n}-a-original.txt").write_text(text)
        (folder / f"{n}-b-copy.txt").write_text(
            make_copy(text, language, kind, "x", random.Random(n))
        )
    (folder / "9-unique.txt").write_text(STORIES["003_b354eb1718a7a74f.txt"][0])
    return folder


def test_mark_and_clusters_outputs(corpus: Path, tmp_path: Path) -> None:
    clusters = tmp_path / "clusters.jsonl"
    result = invoke(["dedupe", "--mark", "--clusters", str(clusters), str(corpus)])
    assert result.exit_code == 0, result.stderr
    records = parse_jsonl(result.stdout_bytes)
    assert len(records) == 9
    marks = {r["id"]: r["metadata"]["dedupe"] for r in records}
    assert all(set(m) == {"cluster", "duplicate_of", "similarity"} for m in marks.values())
    assert marks["0-b-copy.txt"] == {
        "cluster": "0-a-original.txt",
        "duplicate_of": "0-a-original.txt",
        "similarity": 1.0,
    }
    assert marks["1-b-copy.txt"]["duplicate_of"] == "1-a-original.txt"
    assert 0.5 <= marks["1-b-copy.txt"]["similarity"] < 1.0
    assert marks["9-unique.txt"] == {
        "cluster": "9-unique.txt",
        "duplicate_of": "",
        "similarity": 1.0,
    }
    reports = parse_jsonl(clusters.read_bytes())
    assert [c["cluster"] for c in reports] == [
        "0-a-original.txt",
        "1-a-original.txt",
        "2-a-original.txt",
        "3-a-original.txt",
    ]
    assert (
        reports[2]["members"][1]["kind"] == "near" and reports[0]["members"][1]["kind"] == "exact"
    )
    assert "2 exact and 2 near duplicates removed" in result.stderr
    plain = parse_jsonl(invoke(["dedupe", "-q", str(corpus)]).stdout_bytes)
    assert [r["id"] for r in plain] == [
        "0-a-original.txt",
        "1-a-original.txt",
        "2-a-original.txt",
        "3-a-original.txt",
        "9-unique.txt",
    ]


def test_output_is_deterministic_and_independent_of_file_order_under_keep_longest(
    corpus: Path,
) -> None:
    files = sorted(str(p) for p in corpus.iterdir())
    first = run_ingest(["dedupe", "-q", "--keep", "longest", *files]).stdout
    assert first == run_ingest(["dedupe", "-q", "--keep", "longest", *files]).stdout
    shuffled = parse_jsonl(
        run_ingest(["dedupe", "-q", "--keep", "longest", *reversed(files)]).stdout
    )
    assert sorted(r["id"] for r in shuffled) == sorted(r["id"] for r in parse_jsonl(first))


def test_stdin_is_spooled(corpus: Path) -> None:
    lines = invoke(["clean", "-q", str(corpus)]).stdout_bytes
    result = run_ingest(["dedupe", "-q"], input=lines)
    assert len(parse_jsonl(result.stdout)) == 5


def test_index_round_trip_against_an_archive(tmp_path: Path) -> None:
    index = tmp_path / "archive.idx"
    day1 = [Record(id=s, text=STORIES[s][0]) for s in (LONG_EN, ZH)]
    first = Deduplicator(DedupeConfig(), index_path=str(index))
    assert [r.id for r in first.run(day1)] == [LONG_EN, ZH]
    assert not index.exists()  # saved only when the caller says the output is safe
    first.save_index()
    assert index.exists()
    text, language = STORIES[ZH]
    day2 = [
        Record(id="today-copy", text=make_copy(text, language, "dateline", "x", random.Random(0))),
        Record(id="today-new", text=STORIES[SHORT_EN][0]),
    ]
    second = Deduplicator(DedupeConfig(mark=True), index_path=str(index))
    marks = {r.id: r.metadata["dedupe"] for r in second.run(day2)}
    assert marks["today-copy"]["duplicate_of"] == ZH
    assert marks["today-new"]["duplicate_of"] == ""
    assert second.stats.against_index == 1
    second.save_index()
    third = Deduplicator(DedupeConfig(), index_path=str(index))
    assert [r.id for r in third.run([Record(id="again", text=STORIES[SHORT_EN][0])])] == []


def test_index_errors_are_clear_and_leave_no_output(tmp_path: Path) -> None:
    index, out = tmp_path / "archive.idx", tmp_path / "out.jsonl"
    index.write_bytes(b"PK\x03\x04 this is not a real index")
    result = run_ingest(["dedupe", "--index", str(index), str(SAMPLES), "-o", str(out)])
    assert result.returncode == 1
    assert result.stderr.decode().startswith(f"ingest: error: {index}: not a readable dedupe index")
    assert b"Traceback" not in result.stderr and not out.exists()
    index.unlink()
    assert invoke(["dedupe", "-q", "--index", str(index), str(SAMPLES)]).exit_code == 0
    mismatch = invoke(["dedupe", "--num-perm", "64", "--index", str(index), str(SAMPLES)])
    assert mismatch.exit_code == 1
    assert "index was built with num_perm=128 (this run: 64)" in mismatch.stderr
    frames = invoke(["dedupe", "--common-sentences", "0", "--index", str(index), str(SAMPLES)])
    assert frames.exit_code == 1
    assert "index was built with common_sentences=10 (this run: 0)" in frames.stderr


def test_report_and_index_in_missing_folders_fail_before_any_output(tmp_path: Path) -> None:
    for option in ("--clusters", "--index"):
        result = invoke(["dedupe", option, str(tmp_path / "nope" / "file"), str(SAMPLES)])
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "the folder for the output does not exist" in result.stderr


def test_bad_options_are_usage_errors() -> None:
    assert invoke(["dedupe", "--threshold", "1.5"]).exit_code == 2
    assert invoke(["dedupe", "--keep", "oldest"]).exit_code == 2
    assert invoke(["dedupe", "--common-lines", "1"], input=b"").exit_code == 2


def test_run_chains_the_stages_on_the_samples(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl.gz"
    result = invoke(["run", str(SAMPLES), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    import gzip

    records = parse_jsonl(gzip.decompress(out.read_bytes()))
    assert len(records) == 39
    assert {"encoding", "title", "parent_id", "dedupe"} <= set(records[0]["metadata"])
    assert (
        "ingest run: 8 in, 39 out, 0 errors, 2 exact and 1 near duplicates removed" in result.stderr
    )


POOL = [text for text, _ in list(STORIES.values())[:6]]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(POOL) - 1), st.sampled_from(["same", "upper", "cut"])),
        max_size=12,
    )
)
def test_output_is_a_subset_of_the_input_in_input_order(picks: list[tuple[int, str]]) -> None:
    records = []
    for n, (index, change) in enumerate(picks):
        text = POOL[index]
        text = (
            text.upper()
            if change == "upper"
            else text[: len(text) * 3 // 4]
            if change == "cut"
            else text
        )
        records.append(Record(id=f"r{n}", text=text))
    ids = [r.id for r in records]
    kept = kept_ids(records)
    assert kept == [i for i in ids if i in set(kept)]
    assert len({picks[int(i[1:])][0] for i in kept}) == len({p[0] for p in picks})  # no story lost


def test_library_and_cli_agree(corpus: Path) -> None:
    from ingest import read_records

    library = [r.id for r in dedupe_records(read_records([str(corpus)]))]
    cli = [r["id"] for r in parse_jsonl(invoke(["dedupe", "-q", str(corpus)]).stdout_bytes)]
    assert library == cli


def test_band_keys_are_equal_for_equal_bands_and_spread_otherwise() -> None:
    import numpy as np

    from ingest.dedupe.minhash import band_column

    signatures = np.random.default_rng(0).integers(0, 2**32, (2000, 12), dtype=np.uint32)
    signatures[7, 3:6] = signatures[5, 3:6]  # same band 1 (rows 3..5), other bands differ
    keys = band_column(signatures, 1, 3)
    assert keys[5] == keys[7]
    assert len(np.unique(keys)) == 1999
    assert band_column(signatures, 0, 3)[5] != band_column(signatures, 0, 3)[7]


def test_a_large_component_takes_the_linear_path_and_still_collapses() -> None:
    from ingest.dedupe.cluster import EXHAUSTIVE_COMPONENT

    words = STORIES[LONG_EN][0].split()
    rng = random.Random(4)
    records = []
    for n in range(EXHAUSTIVE_COMPONENT + 100):
        edited = list(words)
        for _ in range(3):
            edited[rng.randrange(len(edited))] = f"edit{n}"
        records.append(Record(id=f"copy{n:04d}", text=" ".join(edited)))
    records.append(Record(id="other", text=STORIES[ZH][0]))
    # 612 copies of one story without a URL: its sentences are common (far above the floor),
    # and each copy's edited sentences are variants of them, so each is compared whole.
    assert kept_ids(records) == ["copy0000", "other"]


# -- #11: stories, not frames -----------------------------------------------------------

from dedupe_devset import (  # noqa: E402
    cjk_stories,
    edit_words,
    frame,
    lead,
    readability_briefs,
    site_furniture,
)

BRIEFS = list(readability_briefs().items())


def framed_records(count: int, with_url: bool, seed: int = 3) -> list[Record]:
    """``count`` different briefs in the frames of two sites that share furniture."""
    rng = random.Random(seed)
    sites = ["north.example", "south.example"]
    furniture = {site: site_furniture(site, rng) for site in sites}
    records = []
    for n, (key, text) in enumerate(BRIEFS[:count]):
        site = sites[n % 2]
        metadata = {"url": f"https://{site}/{n}"} if with_url else {}
        records.append(Record(id=key, text=frame(text, furniture[site], rng), metadata=metadata))
    return records


@pytest.mark.parametrize("with_url", [False, True])
def test_different_briefs_in_shared_frames_are_all_kept(with_url: bool) -> None:
    records = framed_records(40, with_url)
    assert kept_ids(records) == [r.id for r in records]
    # Compared on their frames, some pairs are copies by the rule's own measure (exact
    # shingle sets): what leaving the frame out prevents. (Whether the LSH draws them as
    # candidates at a Jaccard of 0.3 depends on the permutations, so this is not asked of it.)
    texts = [shingles(normalize_for_shingles(r.text), 5, "word") for r in records]
    scores = [exact_similarity(a, b)[0].score(0.5) for a, b in itertools.combinations(texts, 2)]
    assert any(scores)


def test_a_brief_copied_into_another_frame_is_found() -> None:
    records = framed_records(30, with_url=False)
    furniture = site_furniture("east.example", random.Random(9))
    _, text = BRIEFS[4]
    edited = edit_words(text, "en", random.Random(1), 0.05)
    records.append(Record(id="copy", text=frame(edited, furniture, random.Random(2))))
    deduplicator = Deduplicator(DedupeConfig())
    assert [r.id for r in deduplicator.run(records)] == [r.id for r in records[:-1]]
    [cluster] = list(deduplicator.clusters())
    evidence = cluster["members"][1]["evidence"]
    assert cluster["cluster"] == records[4].id and evidence["compared"] == ["story", "story"]
    assert evidence["jaccard"] >= 0.5 and evidence["measured"] == "exact"


def write_folder(folder: Path, records: list[Record]) -> None:
    folder.mkdir()
    for n, record in enumerate(records):
        (folder / f"{n:03d}-{record.id.replace('/', '_')}.txt").write_text(record.text)


def test_framed_briefs_in_a_folder_through_the_cli(tmp_path: Path) -> None:
    write_folder(tmp_path / "site", framed_records(30, with_url=False))
    result = invoke(["dedupe", str(tmp_path / "site")])
    assert result.exit_code == 0, result.stderr
    assert len(parse_jsonl(result.stdout_bytes)) == 30
    assert "0 exact and 0 near duplicates removed" in result.stderr


def test_framed_briefs_with_urls_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "scrape.jsonl"
    path.write_text("".join(r.to_json() + "\n" for r in framed_records(30, with_url=True)))
    result = run_ingest(["dedupe", "-q", str(path)])
    assert result.returncode == 0
    assert len(parse_jsonl(result.stdout)) == 30


def test_a_story_syndicated_three_times_in_one_folder_is_found(tmp_path: Path) -> None:
    _, text = BRIEFS[50]
    rng = random.Random(5)
    copies = [
        Record(id="a-original", text=text),
        Record(id="b-rewrap", text=make_copy(text, "en", "rewrap", "x", rng)),
        Record(id="c-edited", text=make_copy(text, "en", "edit_words", "x", rng)),
    ]
    records = framed_records(24, with_url=False) + copies
    expected = [r.id for r in records[:-2]]
    assert kept_ids(records) == expected
    write_folder(tmp_path / "folder", records)
    result = invoke(["dedupe", "--mark", str(tmp_path / "folder")])
    marks = {r["id"]: r["metadata"]["dedupe"] for r in parse_jsonl(result.stdout_bytes)}
    assert marks["025-b-rewrap.txt"]["duplicate_of"] == "024-a-original.txt"
    assert marks["026-c-edited.txt"]["duplicate_of"] == "024-a-original.txt"
    assert "1 exact and 1 near duplicates removed" in result.stderr  # rewrapping: exact


def test_a_lead_published_alone_is_kept_next_to_its_article(tmp_path: Path) -> None:
    text, language = STORIES[LONG_EN]
    records = [Record(id="article", text=text), Record(id="lead", text=lead(text, language))]
    assert kept_ids(records) == ["article", "lead"]
    write_folder(tmp_path / "pages", records)
    result = invoke(["dedupe", "-q", str(tmp_path / "pages")])
    assert [r["id"] for r in parse_jsonl(result.stdout_bytes)] == [
        "000-article.txt",
        "001-lead.txt",
    ]


CJK = {key: (text, language) for key, text, language in cjk_stories()}


@pytest.mark.parametrize("kind", ["exact", "rewrap", "dateline", "edit_words", "trim_last"])
@pytest.mark.parametrize("story", ["ko-utf8", "ja-utf8", ZH])
def test_korean_japanese_and_chinese_copies_are_found(story: str, kind: str) -> None:
    text, language = CJK.get(story) or STORIES[story]
    copy = make_copy(text, language, kind, "wire.example", random.Random(3))
    others = [Record(id=k, text=t) for k, (t, _) in CJK.items() if k != story]
    records = [Record(id="original", text=text), Record(id="copy", text=copy), *others]
    assert kept_ids(records) == ["original", *(r.id for r in others)]


def test_korean_copy_through_the_cli(tmp_path: Path) -> None:
    text, language = CJK["ko-utf8"]
    folder = tmp_path / "ko"
    folder.mkdir()
    (folder / "a.txt").write_text(text)
    (folder / "b.txt").write_text(make_copy(text, language, "headline", "x", random.Random(1)))
    (folder / "c.txt").write_text(CJK["ko-iso2022"][0])
    result = invoke(["dedupe", "-q", str(folder)])
    assert [r["id"] for r in parse_jsonl(result.stdout_bytes)] == ["a.txt", "c.txt"]


def test_clusters_report_the_evidence_of_each_removed_record(corpus: Path, tmp_path: Path) -> None:
    clusters = tmp_path / "clusters.jsonl"
    assert invoke(["dedupe", "-q", "--clusters", str(clusters), str(corpus)]).exit_code == 0
    reports = {c["cluster"]: c for c in parse_jsonl(clusters.read_bytes())}
    near = reports["1-a-original.txt"]["members"][1]
    evidence = near["evidence"]
    assert near["id"] == "1-b-copy.txt" and evidence["measured"] == "exact"
    assert 0.5 <= evidence["jaccard"] < 1.0 and evidence["containment"] >= evidence["jaccard"]
    assert 0 < evidence["shared_shingles"] <= min(evidence["shingles"])
    assert 1 <= len(evidence["sample"]) <= 5 and evidence["compared"] == ["full text"] * 2
    assert "evidence" not in reports["0-a-original.txt"]["members"][1]  # an exact copy


def test_common_sentences_option_is_checked() -> None:
    assert invoke(["dedupe", "--common-sentences", "1"], input=b"").exit_code == 2
    assert invoke(["dedupe", "-q", "--common-sentences", "0", str(SAMPLES)]).exit_code == 0


def test_sentence_counts_fold_into_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest.dedupe import common

    monkeypatch.setattr(common, "FOLD_EVERY", 3)
    counter = common.KeyCounter()
    for keys in ({1, 2}, {2, 3}, {2}, {3, 4}, {5}):
        counter.add(keys)
    assert counter.at_least(2).tolist() == [2, 3]
    assert counter.at_least(3).tolist() == [2]
    assert counter.at_least(0).tolist() == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 2**64 - 1) | st.integers(0, 40), max_size=10), max_size=40),
    st.integers(1, 30),
)
def test_key_counts_are_the_same_whenever_they_fold(documents: list[set[int]], every: int) -> None:
    """Folds merge new keys into the sorted arrays: the counts are those of a plain count."""
    from collections import Counter

    from ingest.dedupe import common

    saved, common.FOLD_EVERY = common.FOLD_EVERY, every
    try:
        counter, expected = common.KeyCounter(), Counter[int]()
        for keys in documents:
            counter.add(np.array(sorted(keys), dtype=np.uint64))
            expected.update(keys)
        for floor in (1, 2, 3):
            assert counter.at_least(floor).tolist() == sorted(
                k for k, n in expected.items() if n >= floor
            )
    finally:
        common.FOLD_EVERY = saved


def test_spool_reads_a_record_by_position_without_disturbing_a_pass() -> None:
    from ingest.spool import Spool

    with Spool() as spool:
        for n in range(5):
            spool.append(Record(id=f"r{n}", text="x" * n))
        seen = []
        for record in spool:
            seen.append(record.id)
            assert spool.read(4).id == "r4"
        assert seen == ["r0", "r1", "r2", "r3", "r4"]


def test_nothing_to_dedupe_with_workers_is_no_error(tmp_path: Path) -> None:
    """No record at all (every input empty, or dropped upstream) with the pool on."""
    from ingest.spool import Spool

    with Spool() as spool:
        assert list(spool.pickles()) == []
    assert list(Deduplicator(DedupeConfig(), jobs=2).run_lines([])) == []
    (tmp_path / "empty.jsonl").write_bytes(b"")
    result = run_ingest(["dedupe", "-j", "2", str(tmp_path / "empty.jsonl")])
    assert result.returncode == 0 and result.stdout == b""


def test_spool_appends_after_reads_land_at_the_end() -> None:
    """Appends do not seek (a seek flushes the write buffer) unless a read moved the file."""
    from ingest.spool import Spool

    with Spool() as spool:
        spool.append(Record(id="r0", text="first"))
        reader = iter(spool)
        assert next(reader).id == "r0"
        spool.append(Record(id="r1", text="second"))
        assert spool.read(0).id == "r0"
        spool.append(Record(id="r2", text="third"))
        assert [r.id for r in spool] == ["r0", "r1", "r2"]
        assert [spool.read(n).text for n in (2, 1, 0)] == ["third", "second", "first"]


# -- #13: fast signatures, compact state, empty texts ------------------------------------


def test_empty_texts_are_copies_of_nothing(tmp_path: Path) -> None:
    texts = ["", "   \n\t ", "", "!!! ...", STORIES[LONG_EN][0], STORIES[LONG_EN][0]]
    records = [
        Record(id=f"r{n}", text=text, metadata={"empty_reason": "no text"} if not text else {})
        for n, text in enumerate(texts)
    ]
    # Only the exact copy of the story goes; every empty record stays, with its metadata.
    assert kept_ids(records) == ["r0", "r1", "r2", "r3", "r4"]
    (tmp_path / "in.jsonl").write_text("".join(r.to_json() + "\n" for r in records))
    result = invoke(["dedupe", "--mark", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 0, result.stderr
    marked = parse_jsonl(result.stdout_bytes)
    assert [r["metadata"]["dedupe"]["duplicate_of"] for r in marked] == ["", "", "", "", "", "r4"]
    assert [r["metadata"].get("empty_reason") for r in marked[:3]] == ["no text", None, "no text"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_the_ascii_shortcut_normalizes_as_the_general_path(text: str) -> None:
    assert normalize_for_shingles(text) == normalize_any(text)
    assert normalize_for_shingles(text + "é") == normalize_any(text + "é")


@pytest.mark.parametrize("story", [LONG_EN, SHORT_EN, ZH, "ko-utf8"])
def test_shingle_hashes_count_the_distinct_shingles(story: str) -> None:
    normalized = normalize_for_shingles((CJK.get(story) or STORIES[story])[0])
    for unit in ("word", "char"):
        for ngram in (1, 5, 1000):
            hashes = shingle_hashes(normalized, ngram, unit)
            assert len(hashes) == len(shingles(normalized, ngram, unit))
            assert list(hashes) == sorted(set(hashes.tolist()))
    assert len(shingle_hashes("", 5, "word")) == 0


def test_signatures_are_the_same_in_any_batch_and_window(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from ingest.dedupe import minhash

    texts = [STORIES[s][0] for s in (LONG_EN, SHORT_EN, ZH)] + ["", "one two"]
    sets = [shingle_hashes(normalize_for_shingles(t), 5, "word") for t in texts]
    signer = minhash.Signer(128, 1)
    alone = np.stack([signer.signature(h) for h in sets])
    monkeypatch.setattr(minhash, "WINDOW", 7)  # windows that cut documents in pieces
    assert np.array_equal(signer.signatures(sets), alone)
    assert (alone[3] == minhash.EMPTY_SIGNATURE_VALUE).all()
    # A signature estimates the Jaccard similarity: a document against an edited copy.
    copy = make_copy(texts[0], "en", "edit_words", "x", random.Random(1))
    other = shingle_hashes(normalize_for_shingles(copy), 5, "word")
    true = len(np.intersect1d(sets[0], other)) / len(np.union1d(sets[0], other))
    estimate = float(np.mean(signer.signature(sets[0]) == signer.signature(other)))
    assert abs(estimate - true) < 0.15


def test_ids_are_packed_and_read_back() -> None:
    from ingest.dedupe.deduplicator import PackedStrings

    ids = ["a", "", "文档-7", "x\udcff", "b" * 300]
    packed = PackedStrings()
    for record_id in ids:
        packed.append(record_id)
    assert len(packed) == len(ids)
    assert [packed[i] for i in range(len(ids))] == ids == list(packed)


def test_jobs_give_the_same_bytes_through_the_cli_and_the_library(tmp_path: Path) -> None:
    from dedupe_devset import as_records, build

    # The development set: 424 records, two chunks or more, so that the pool is used.
    records = list(as_records(build()))
    corpus = tmp_path / "devset.jsonl"
    corpus.write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        clusters = tmp_path / f"clusters-{jobs}.jsonl"
        result = run_ingest(
            ["dedupe", "-q", "--mark", "--clusters", str(clusters), "-j", jobs, str(corpus)]
        )
        assert result.returncode == 0, result.stderr
        outputs.append((result.stdout, clusters.read_bytes()))
    assert outputs[0] == outputs[1]
    assert outputs[0][1]  # copies were found
    library = [
        [
            (r.id, r.metadata["dedupe"])
            for r in Deduplicator(DedupeConfig(mark=True), jobs=j).run(records)
        ]
        for j in (1, 2)
    ]
    assert library[0] == library[1]
    assert [m[0] for m in library[0]] == [r["id"] for r in parse_jsonl(outputs[0][0])]


@pytest.mark.parametrize("mark", [False, True])
def test_lines_encoded_by_the_workers_are_the_records_lines(mark: bool) -> None:
    """``run_lines`` (the CLI's JSONL output, encoded in the workers) writes what ``run``'s
    records encode to, for any number of jobs."""
    from dedupe_devset import as_records, build

    from ingest.io import encode_line

    records = list(as_records(build()))
    expected = [encode_line(r) for r in Deduplicator(DedupeConfig(mark=mark)).run(records)]
    assert (len(expected) == len(records)) is mark  # without --mark, the copies go
    for jobs in (1, 2):
        deduplicator = Deduplicator(DedupeConfig(mark=mark), jobs=jobs)
        assert list(deduplicator.run_lines(records)) == expected
        assert deduplicator.stats.near + deduplicator.stats.exact > 0


LINE_ALPHABET = st.sampled_from(
    [
        *"ab Z.,-_\t\r\x0b\x85\u2028\u00a0\u0301\u00a8Σςİßﬁ人。！가\udcff",
        "qqsentencebreakqq",
        "ＱＱ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(LINE_ALPHABET, max_size=8).map("".join), max_size=6))
def test_lines_normalized_together_come_out_as_one_by_one(lines: list[str]) -> None:
    # The mark itself, combining marks at a line's start, final sigma, whitespace of every
    # kind: each line as normalize_for_shingles makes it alone.
    assert normalize_lines(lines) == [normalize_for_shingles(line) for line in lines]


# The sentence breaks as first written: three alternatives tried at every position.
PLAIN_BREAK = re.compile(r"""[.!?…]["'”’)\]]*\s+|[。！？][”’」』）)]*\s*|\n\s*\n""")


def pieces_by_plain_break(text: str) -> list[str]:
    cut = [m.end() for m in PLAIN_BREAK.finditer(text)]
    parts = [text[a:b] for a, b in zip([0, *cut], [*cut, len(text)], strict=True)]
    normalized = normalize_for_shingles(f" {PIECE_MARK} ".join(parts))
    return [piece for part in normalized.split(PIECE_MARK) if (piece := part.strip())]


# Break characters, combining marks and second halves of compositions next to them (acute,
# Oriya and Hangul vowel signs), whitespace of every kind, and the mark itself.
SENTENCE_ALPHABET = st.sampled_from(
    [
        *"ab .!?…\"')]”’。！？」』）\n \t\r\x1c\x85\u3000\u2028人\u0301\u0b47\u0b3e\u1100\u1161",
        PIECE_MARK,
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(SENTENCE_ALPHABET).map("".join))
def test_sentence_breaks_are_those_of_the_plain_pattern(text: str) -> None:
    assert sentence_pieces(text) == pieces_by_plain_break(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(SENTENCE_ALPHABET).map("".join))
def test_sentences_joined_are_the_normalized_text(text: str) -> None:
    # Pass 1 takes a document's exact hash and length from its sentences joined.
    pieces, whole = pieces_and_whole(text)
    assert pieces == sentence_pieces(text)
    assert whole == normalize_for_shingles(text)


@pytest.mark.parametrize("story", [LONG_EN, SHORT_EN, ZH, "ko-utf8"])
def test_sentence_breaks_of_real_stories(story: str) -> None:
    text = (CJK.get(story) or STORIES[story])[0]
    assert sentence_pieces(text) == pieces_by_plain_break(text) != []


def test_line_keys_kept_from_pass_one_give_the_same_stories() -> None:
    records = framed_records(30, with_url=True)
    deduplicator = Deduplicator(DedupeConfig())
    kept = [r.id for r in deduplicator.run(records)]
    common = deduplicator._common
    assert len(common.lines) and len(kept) == len(records)
    framed = 0
    for record in records:
        site = url_host(record)
        keys = ordered_line_keys(record.text, site)
        whole = len(normalize_for_shingles(record.text))
        story = common.compared(record.text, site, "word", whole)
        assert common.compared(record.text, site, "word", whole, line_keys=keys) == story
        # Keys of another text (a stale cache) are not trusted: made again.
        assert common.compared(record.text, site, "word", whole, line_keys=keys[:-1]) == story
        framed += story[1]
    assert framed > 20


@given(st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 6), max_size=40))
def test_distinct_hashes_are_numpys_unique(values: list[int]) -> None:
    from ingest.dedupe.minhash import distinct

    array = np.array(values, dtype=np.uint64)
    assert distinct(array).tolist() == np.unique(array).tolist()


URL_ALPHABET = st.sampled_from([*"ab.:/@[]?#%-_ \t\n\\0189AZ;=&!é", "http://", "https:"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(URL_ALPHABET, max_size=16).map("".join))
def test_url_host_is_what_urlparse_says(url: str) -> None:
    from urllib.parse import urlparse

    from ingest.record import url_hostname

    try:
        expected = urlparse(url).hostname or ""
    except ValueError:  # an invalid IPv6 literal: both refuse it
        with pytest.raises(ValueError):
            url_hostname(url)
        return
    assert url_hostname(url) == expected


def test_common_sentences_are_shingled_once_from_pass_one_keys() -> None:
    """The shingles of common sentences (to know their edited variants) are taken from the
    first document holding each; the same set as every document's common sentences."""
    records = framed_records(30, with_url=True)
    deduplicator = Deduplicator(DedupeConfig())
    list(deduplicator.run(records))
    common = deduplicator._common
    assert len(common.sentences) and len(common.variants)
    each = [common.common_shingles(r.text, url_host(r), "word") for r in records]
    assert common.variants.tolist() == np.unique(np.concatenate(each)).tolist()


def test_clusters_evidence_with_an_index_of_other_stories(tmp_path: Path) -> None:
    """--clusters with a non-empty --index: copies within the input get the same exact
    evidence as without one (it crashed: the archive has no frame column)."""
    archive, index = tmp_path / "archive.jsonl", tmp_path / "archive.idx"
    archive.write_text(
        json.dumps({"text": "An archived story about the harbour ferry and the bridge works."})
        + "\n"
    )
    assert invoke(["dedupe", "-q", "--index", str(index), str(archive)]).exit_code == 0
    with_index, without = tmp_path / "with.jsonl", tmp_path / "without.jsonl"
    result = run_ingest(
        ["dedupe", "-q", "--index", str(index), "--clusters", str(with_index), str(SAMPLES)]
    )
    assert result.returncode == 0, result.stderr
    assert invoke(["dedupe", "-q", "--clusters", str(without), str(SAMPLES)]).exit_code == 0
    assert with_index.read_bytes() == without.read_bytes()
    assert b'"measured": "exact"' in with_index.read_bytes()


def test_texts_written_the_same_are_exact_copies(tmp_path: Path) -> None:
    # A lone surrogate (a JSON \ud800 escape) is written as U+FFFD: the two records come out
    # as the same text, so they are exact copies, through the CLI and the library.
    story = "The council met on Monday and voted to close the old bridge to traffic"
    lines = [
        json.dumps({"id": "escaped", "text": f"{story} \ud800 for repairs."}),
        json.dumps({"id": "replaced", "text": f"{story} \ufffd for repairs."}, ensure_ascii=False),
    ]
    assert "\\ud800" in lines[0]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(["dedupe", "--mark", str(corpus)])
    assert result.exit_code == 0, result.stderr
    [first, second] = parse_jsonl(result.stdout)
    assert first["text"] == second["text"]
    assert second["metadata"]["dedupe"]["duplicate_of"] == "escaped"
    records = [Record(id=r["id"], text=r["text"]) for r in map(json.loads, lines)]
    deduplicator = Deduplicator(DedupeConfig())
    assert [r.id for r in deduplicator.run(records)] == ["escaped"]
    assert deduplicator.stats.exact == 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_generator_that_gives_one_record_again_with_new_values(jobs: int) -> None:
    # Records are read as they were when given (their pickles in the spool), not as the
    # caller's object is later: at one job, pass 1 once saw every record of a chunk as the
    # last one given (8 kept of 2,000 documents).
    rng = random.Random(11)
    vocabulary = [f"w{n}" for n in range(3000)]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(80)) for _ in range(540)]
    texts += [texts[n] for n in range(0, 540, 9)]  # 60 exact copies
    stories = [
        Record(f"d{n}", text, "gen", {"url": f"https://site{n % 3}.example/{n}"})
        for n, text in enumerate(texts)
    ]

    def fresh() -> Iterator[Record]:
        for story in stories:
            yield Record(story.id, story.text, story.source, dict(story.metadata))

    def one_object() -> Iterator[Record]:
        record = Record("", "", "", {})
        for story in stories:
            record.id, record.text, record.metadata = story.id, story.text, dict(story.metadata)
            yield record

    expected = [r.id for r in Deduplicator(DedupeConfig(), jobs=jobs).run(fresh())]
    found = [r.id for r in Deduplicator(DedupeConfig(), jobs=jobs).run(one_object())]
    assert expected == [f"d{n}" for n in range(540)]  # every copy removed, no story
    assert found == expected
