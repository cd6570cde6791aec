"""``ingest split`` (#5): digests in text and HTML, every marker variant, no false splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import Record, SplitConfig, clean_records, read_records, split_records
from ingest.clean import CleanConfig, CleanStats
from ingest.digest import LINK_MARKER, find_items
from ingest.split import clean_split_records

from .conftest import SAMPLES, invoke, parse_jsonl

HTML = Path(__file__).parent / "data" / "html"
TITLES: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "cases" / "split_titles.json").read_text()
)


def by_parent(records: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(record["metadata"]["parent_id"] or record["id"], []).append(record)
    return groups


def check_sample_split(records: list[dict]) -> None:
    groups = by_parent(records)
    assert {k: len(v) for k, v in groups.items()} == {
        "000_7ff7f7698b103f4f.txt": 1,
        "001_9deb5f9e748d8588.txt": 1 + 8,
        "002_33de37058f0cd80a.txt": 1 + 26,
        "003_b354eb1718a7a74f.txt": 1,
        "004_687f5bdfc5dfbd6b.txt": 1,
        # Copies of articles, not digests: they pass through whole.
        "syndicated/lakeside-courier-geneva-ngo-forum.html": 1,
        "syndicated/petit-journal-chinese-groups-48th-session.html": 1,
        "syndicated/world-wire-un-rights-council.txt": 1,
    }
    for parent, titles in TITLES.items():
        intro, *stories = groups[parent]
        assert intro["id"] == f"{parent}#0" and intro["metadata"]["role"] == "introduction"
        assert [s["metadata"]["title"] for s in stories] == titles
        assert [s["id"] for s in stories] == [f"{parent}#{n}" for n in range(1, len(titles) + 1)]
        assert [s["metadata"]["part"] for s in stories] == list(range(1, len(titles) + 1))
        for story in stories:
            assert story["text"] and "[more" not in story["text"]
            assert not story["text"].startswith(story["metadata"]["title"])
            assert story["metadata"]["role"] == "story"


def test_clean_then_split_the_samples_in_a_pipe() -> None:
    cleaned = invoke(["clean", "-q", str(SAMPLES)])
    result = invoke(["split"], input=cleaned.stdout_bytes)
    assert result.exit_code == 0
    assert "ingest split: 8 in, 42 out, 0 errors" in result.stderr
    check_sample_split(parse_jsonl(result.stdout_bytes))


def test_split_raw_samples_directly() -> None:
    check_sample_split(parse_jsonl(invoke(["split", "-q", str(SAMPLES)]).stdout_bytes))


def test_story_text_is_the_teaser_without_the_marker() -> None:
    records = list(split_records(clean_records(read_records([str(next(SAMPLES.glob("001_*")))]))))
    assert records[1].text.startswith("The 45th session of the UN Human Rights Council concluded")
    assert records[1].text.endswith("doesn’t rise amid COVID-19.")
    assert records[0].text.startswith("On September 14th, the 45th session")


def test_other_documents_pass_through_unchanged() -> None:
    cleaned = list(clean_records(read_records([str(next(SAMPLES.glob("004_*")))])))
    text = cleaned[0].text
    (out,) = split_records(cleaned)
    assert out.text == text and out.id == "004_687f5bdfc5dfbd6b.txt"
    assert (out.metadata["parent_id"], out.metadata["part"], out.metadata["role"]) == (
        "",
        -1,
        "document",
    )


STORIES = [
    (
        "Council opens new session in Geneva",
        "The UN Human Rights Council opened its session on Monday with a debate on poverty.",
    ),
    (
        "Experts discuss rights of migrant children",
        "A seminar on the rights of migrant children was held online on Tuesday afternoon.",
    ),
    (
        "Forum on rural development held in Beijing",
        "Scholars from twelve countries met in Beijing to share experience of rural growth.",
    ),
]
INTRO = "This week's reports from the Council and the events held on its sidelines."
MARKERS = ["[more..]", "[more...]", "More>>", "Read more", "(more)", "[Full story]", "Read more »"]


def digest_text(marker: str, separator: str = " ") -> str:
    blocks = [INTRO]
    for title, teaser in STORIES:
        blocks += [title, f"{teaser}{separator}{marker}" if marker else teaser]
    return "\n\n".join(blocks)


@pytest.mark.parametrize("marker", [*MARKERS, "…", ""])
def test_text_digests_with_each_marker_and_none(marker: str) -> None:
    raw = Record(id="d", text=digest_text(marker))
    cleaned = next(clean_records([Record(id="d", text=digest_text(marker))]))
    for records in (list(split_records([raw])), list(split_records([cleaned]))):
        assert [r.metadata["role"] for r in records] == ["introduction", "story", "story", "story"]
        assert [r.metadata["title"] for r in records[1:]] == [t for t, _ in STORIES]
        expected = [f"{s} …" if marker == "…" else s for _, s in STORIES]
        assert [r.text for r in records[1:]] == expected
        assert records[0].text == INTRO


def test_digest_with_markers_stuck_to_the_teaser() -> None:
    records = list(split_records([Record(id="d", text=digest_text("[more..]", separator=""))]))
    assert len(records) == 4 and records[1].text == STORIES[0][1]


ARTICLES = {
    "list": (
        "The plan has three parts, the minister said on Monday in the capital.\n\n"
        "- Lower taxes for small firms\n\n- More money for schools\n\n- New rail lines\n\n"
        "Critics said the plan would cost too much and do too little for the poorest regions."
    ),
    "read-more": (
        "Talks resume in Geneva\n\n"
        "Negotiators met again on Monday after a break of two weeks, officials said.\n\n"
        "Both sides said progress had been made on the questions of trade. Read more"
    ),
    "short-lines": (
        "Election results\n\n"
        "The count ended late on Sunday night and the turnout was the highest in decades.\n\n"
        "The winner will take office in May, after the courts confirm the results."
    ),
    "related-teasers": (
        "Negotiators met again in Geneva on Monday after a break of two weeks, officials said, "
        "and both sides reported progress on the questions of trade and of access to markets.\n\n"
        "The talks are expected to last until Friday. A joint statement could follow if the "
        "remaining questions on agriculture and on services are settled by the end of the week, "
        "diplomats from both delegations told reporters outside the conference hall.\n\n"
        "Trade ministers will meet in March to approve whatever the negotiators agree, and the "
        "parliaments of both sides would then have to ratify the text before it can enter into force.\n\n"
        "Related stories\n\n"
        "Earlier round ends without a deal\n\nThe last round broke up in May over farm subsidies. [more..]\n\n"
        "Exporters hope for lower tariffs\n\nBusiness groups said a deal would help small exporters. [more..]"
    ),
    "subheadings": (
        "Markets rise\n\nShares rose on Monday in all the main markets of the region.\n\n"
        "Why it matters\n\nInvestors had feared a slowdown after weak factory data.\n\n"
        "The central bank is expected to keep its rates on hold next week.\n\n"
        "What comes next\n\nData on jobs is due on Friday and could move markets again."
    ),
}


@pytest.mark.parametrize("kind", sorted(ARTICLES))
def test_single_articles_are_not_split(kind: str) -> None:
    record = Record(id="a", text=ARTICLES[kind])
    for stage_input in ([record], clean_records([Record(id="a", text=ARTICLES[kind])])):
        records = list(split_records(stage_input))
        assert len(records) == 1 and records[0].metadata["role"] == "document"


def test_html_listing_is_split_with_links_raw_and_after_clean() -> None:
    raw = parse_jsonl(invoke(["split", "-q", str(HTML / "listing.html")]).stdout_bytes)
    piped = parse_jsonl(
        invoke(
            ["split", "-q"], input=invoke(["clean", "-q", str(HTML / "listing.html")]).stdout_bytes
        ).stdout_bytes
    )
    for records in (raw, piped):
        assert [r["metadata"]["role"] for r in records] == [
            "introduction",
            "story",
            "story",
            "story",
        ]
        assert (
            records[1]["metadata"]["title"]
            == "Western countries should stop double standards on human rights"
        )
        assert (
            records[1]["metadata"]["url"] == "https://society.example.org/news/2021/commentary.html"
        )
        assert records[3]["text"].startswith("Over 20 Chinese and foreign scholars")
        assert all("more" not in r["text"].lower().split()[-1] for r in records)


@pytest.mark.parametrize("page", ["article.html", "article_with_list.html", "no_article.html"])
def test_html_articles_are_not_split(page: str) -> None:
    records = parse_jsonl(invoke(["split", "-q", str(HTML / page)]).stdout_bytes)
    assert len(records) == 1


def test_options_min_items_no_intro_keep_parent(tmp_path: Path) -> None:
    path = tmp_path / "digest.txt"
    path.write_text(digest_text("[more..]"))
    plain = parse_jsonl(invoke(["split", "-q", "--min-items", "4", str(path)]).stdout_bytes)
    assert len(plain) == 1
    no_intro = parse_jsonl(invoke(["split", "-q", "--no-intro", str(path)]).stdout_bytes)
    assert [r["id"] for r in no_intro] == ["digest.txt#1", "digest.txt#2", "digest.txt#3"]
    with_parent = parse_jsonl(invoke(["split", "-q", "--keep-parent", str(path)]).stdout_bytes)
    assert with_parent[0]["id"] == "digest.txt" and with_parent[0]["metadata"]["role"] == "digest"
    assert len(with_parent) == 5


def words_outside_markers_and_titles(text: str) -> list[str]:
    """The page's words, less the story titles (where split found them) and the markers."""
    for item in reversed(find_items(text)):
        text = text[: item.title_start] + text[item.title_start + len(item.title) :]
    return " ".join(LINK_MARKER.sub("", line) for line in text.split("\n")).split()


BLOCK = st.one_of(
    st.sampled_from([t for t, _ in STORIES] + ["Short headline here", "Another title line"]),
    st.sampled_from([s for _, s in STORIES] + [INTRO]),
    st.tuples(st.sampled_from([s for _, s in STORIES]), st.sampled_from([*MARKERS, ""])).map(
        lambda pair: f"{pair[0]} {pair[1]}".strip()
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(BLOCK, max_size=14))
def test_split_never_loses_or_duplicates_text(blocks: list[str]) -> None:
    text = "\n\n".join(blocks)
    records = list(split_records([Record(id="p", text=text)]))
    titles = [r.metadata["title"] for r in records if r.metadata["role"] == "story"]
    if len(records) == 1:
        assert records[0].text == text
        return
    joined = " ".join(r.text for r in records)
    assert joined.split() == words_outside_markers_and_titles(text)
    assert titles == [i.title for i in find_items(text)]


def html_listing(marker: str, layout: str) -> str:
    blocks = []
    for n, (title, teaser) in enumerate(STORIES):
        link = f' <a href="/s/{n}">{marker}</a>' if marker else ""
        if layout == "div":
            blocks.append(
                f'<div class="item"><a class="title" href="/s/{n}">{title}</a><div class="summary">{teaser}{link}</div></div>'
            )
        else:
            blocks.append(
                f'<article><h2><a href="/s/{n}">{title}</a></h2><p>{teaser}{link}</p></article>'
            )
    inner = "".join(blocks)
    body = f'<div class="list">{inner}</div>' if layout == "div" else f"<main>{inner}</main>"
    return f"<html><head><title>News</title></head><body><nav><a href='/'>Home</a></nav><p>{INTRO}</p>{body}</body></html>"


@pytest.mark.parametrize("layout", ["div", "article"])
@pytest.mark.parametrize("marker", [*MARKERS, ""])
def test_html_listings_with_each_marker_and_none(tmp_path: Path, marker: str, layout: str) -> None:
    path = tmp_path / "listing.html"
    path.write_text(html_listing(marker, layout))
    for records in (
        parse_jsonl(invoke(["split", "-q", str(path)]).stdout_bytes),
        parse_jsonl(
            invoke(
                ["split", "-q"], input=invoke(["clean", "-q", str(path)]).stdout_bytes
            ).stdout_bytes
        ),
    ):
        assert [r["metadata"]["title"] for r in records[1:]] == [t for t, _ in STORIES]
        assert [r["text"] for r in records[1:]] == [s for _, s in STORIES]
        assert [r["metadata"]["url"] for r in records[1:]] == ["/s/0", "/s/1", "/s/2"]
        assert records[0]["text"] == INTRO


def test_splitting_again_what_keep_parent_wrote_gives_it_back(tmp_path: Path) -> None:
    # The kept digest page was split again: every story came out twice, under the same ids.
    path = tmp_path / "digest.txt"
    path.write_text(digest_text("[more..]"))
    first = invoke(["split", "-q", "--keep-parent", str(path)]).stdout_bytes
    (tmp_path / "first.jsonl").write_bytes(first)
    again = invoke(["split", "-q", "--keep-parent", str(tmp_path / "first.jsonl")]).stdout_bytes
    assert [r["id"] for r in parse_jsonl(again)] == [r["id"] for r in parse_jsonl(first)]
    assert [r["text"] for r in parse_jsonl(again)] == [r["text"] for r in parse_jsonl(first)]
    records = [Record.from_dict(r) for r in parse_jsonl(first)]
    library = [r.to_dict() for r in split_records(records, SplitConfig(keep_parent=True))]
    assert [r["id"] for r in library] == [r["id"] for r in parse_jsonl(first)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ids_stay_unique_when_a_record_is_named_as_a_story(tmp_path: Path, jobs: str) -> None:
    """A story is ``<page id>#<n>``: a record of the input may have that id already. Both
    come out, the later one renamed, and the other ids as they were."""
    digest = SAMPLES / "001_9deb5f9e748d8588.txt"
    cleaned = parse_jsonl(invoke(["clean", "-q", str(digest)]).stdout_bytes)
    page = cleaned[0]["id"]
    before = {"id": f"{page}#3", "text": "A record of its own, named before the page."}
    after = {"id": f"{page}#5", "text": "A record of its own, named after the page."}
    rows = [before, *cleaned, after]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = invoke(["split", "-q", "-j", jobs, str(path)])
    assert result.exit_code == 0, result.stderr
    ids = [r["id"] for r in parse_jsonl(result.stdout_bytes)]
    stories = [f"{page}#{n}" for n in range(9)]  # the introduction and 8 stories
    stories[3] = f"{page}#3#dup"  # the record came first: it keeps the id
    assert ids == [f"{page}#3", *stories, f"{page}#5#dup"]  # the story #5 came first
    library = split_records([Record.from_dict(r) for r in rows], SplitConfig(), int(jobs))
    assert [r.id for r in library] == ids


def empty_and_full_pages(folder: Path) -> list[str]:
    """Real pages (a digest, an article) and documents that come out of clean empty: a page
    without an article (tests/data), one of scripts only, a blank text."""
    (folder / "scripts.html").write_text("<html><body><script>x()</script></body></html>")
    (folder / "blank.txt").write_text("  \n")
    return [str(SAMPLES), str(HTML / "no_article.html"), str(folder)]


@pytest.mark.parametrize("drop", [False, True])
@pytest.mark.parametrize("jobs", [1, 2])
def test_clean_split_counts_and_drops_empty_pages_as_clean_does(
    tmp_path: Path, drop: bool, jobs: int
) -> None:
    """The fused clean+split (``ingest run``'s first half) counts and drops the pages that
    come out of clean empty as ``clean_records`` does, then splits the rest."""
    inputs = empty_and_full_pages(tmp_path)
    cleaning = CleanConfig(drop_empty=drop)
    alone = CleanStats()
    expected = list(split_records(clean_records(read_records(inputs), cleaning, alone)))
    fused = CleanStats()
    got = list(clean_split_records(read_records(inputs), cleaning, SplitConfig(), jobs, fused))
    assert [r.to_dict() for r in got] == [r.to_dict() for r in expected]
    assert (fused.empty, fused.dropped, alone.empty) == (3, drop, 3)
    assert any(r.metadata["role"] == "story" for r in got)
    options = ["--drop-empty"] if drop else []
    result = invoke(["run", "-j", str(jobs), *options, *inputs])
    assert result.exit_code == 0, result.stderr
    assert (", 3 came out empty (dropped)," if drop else ", 3 came out empty,") in result.stderr
    empty = [r for r in parse_jsonl(result.stdout) if r["metadata"]["empty_reason"]]
    assert len(empty) == (0 if drop else 3)
