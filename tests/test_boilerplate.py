"""``ingest clean`` part 2 on plain-text pages: boilerplate out, metadata in (#4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import CleanConfig, Record, clean_records, read_records
from ingest.clean.boilerplate import boilerplate_rule, is_breadcrumb
from ingest.clean.metadata import parse_date, parse_meta_line

from .conftest import SAMPLES, invoke, parse_jsonl

FORBIDDEN = ["[more..]", "Home >", "Staff Twitter", "Chinese Dictionary"]


@pytest.fixture(scope="module")
def cleaned_samples() -> dict[str, Record]:
    return {r.id[:3]: r for r in clean_records(read_records([str(SAMPLES)]))}


def sample_paragraphs(name: str) -> list[str]:
    path = next(SAMPLES.glob(f"{name}_*.txt"))
    return [p.strip() for p in path.read_text().split("\n\n") if p.strip()]


def test_sample_004_title_date_source_and_story_paragraphs(
    cleaned_samples: dict[str, Record],
) -> None:
    record = cleaned_samples["004"]
    metadata = record.metadata
    assert metadata["title"] == "Chinese groups take part in human rights talks in Geneva"
    assert metadata["date"] == "2023-03-15"
    assert metadata["author"] == metadata["publisher"] == "chinadaily.com.cn"
    # The story is the six paragraphs from "March 15, 2023 -- Representatives" to "Deputies":
    # the issue counts four, but the page holds six and none of them is boilerplate.
    story = sample_paragraphs("004")[2:8]
    story[0] = story[0].removeprefix("March 15, 2023 -- ")
    assert record.text.split("\n\n") == story
    assert metadata["dateline"] == "March 15, 2023"


def test_sample_003_byline_is_metadata(cleaned_samples: dict[str, Record]) -> None:
    record = cleaned_samples["003"]
    assert record.metadata["author"] == "Liu Lingling, Zhang Penghui"
    assert record.metadata["publisher"] == "People’s Daily"
    assert not record.text.startswith("By ")
    assert record.text.startswith("China’s achievements on human rights are widely praised")
    assert record.text.endswith("abolish policies that violate their rights.")


def test_sample_000_loses_its_orphan_comma_not_its_words(
    cleaned_samples: dict[str, Record],
) -> None:
    assert cleaned_samples["000"].text.startswith("Geneva, September 19 Since the opening")


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_no_sample_keeps_boilerplate(cleaned_samples: dict[str, Record], key: str) -> None:
    for needle in FORBIDDEN:
        assert needle not in cleaned_samples[key].text


def test_digest_samples_keep_every_title_and_teaser(cleaned_samples: dict[str, Record]) -> None:
    for key, count in (("001", 8), ("002", 26)):
        record = cleaned_samples[key]
        items = record.metadata["items"]
        assert len(items) == count
        for item in items:
            assert record.text[item["start"] :].startswith(item["title"])
        assert record.text.count("\n\n") == 2 * count  # intro + (title, teaser) per story


OTHER_SITE = """Home | World | Asia-Pacific | Business
Share | Tweet | Email | Print

Floods force thousands from homes in southern province
By Jane Doe and Wang Fang | Updated: 2024-07-02 10:15

Heavy rain has forced more than 20,000 people from their homes in the south of the country, officials said on Tuesday, as rivers rose above warning levels.

Rescue teams used boats to reach villages cut off by the water. Schools in three counties were closed for the week. Read more

We use cookies to improve your experience. By continuing you accept our cookie policy.
Related stories:
Copyright 2024 Example News Network. All rights reserved.
Follow us on Weibo
"""


def test_other_site_variants_are_removed_and_metadata_kept(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(OTHER_SITE)
    result = invoke(["clean", "-q", "--explain", str(path)])
    record = parse_jsonl(result.stdout_bytes)[0]
    metadata = record["metadata"]
    assert metadata["title"] == "Floods force thousands from homes in southern province"
    assert metadata["date"] == "2024-07-02"
    assert metadata["author"] == "Jane Doe, Wang Fang"
    assert record["text"] == (
        "Heavy rain has forced more than 20,000 people from their homes in the south of the "
        "country, officials said on Tuesday, as rivers rose above warning levels.\n\n"
        "Rescue teams used boats to reach villages cut off by the water. Schools in three "
        "counties were closed for the week."
    )
    rules = {r["rule"] for r in metadata["removed"]}
    assert {
        "breadcrumb",
        "share-bar",
        "title",
        "date-byline",
        "cookie-notice",
        "copyright",
    } <= rules
    assert {"more-link", "widget"} <= rules


@pytest.mark.parametrize(
    "line",
    ["Home > CSHRS > NEWS >", "Home | World | Asia", "Home » News » China", "首页 > 新闻 > 国际"],
)
def test_breadcrumbs(line: str) -> None:
    assert is_breadcrumb(line)


@pytest.mark.parametrize(
    "line",
    [
        "Revenue rose from $5 > $4 > $3 over the years, the report said.",
        "He chose | between | them.",
        "Option A > option B",
    ],
)
def test_sentences_with_arrows_are_not_breadcrumbs(line: str) -> None:
    assert not is_breadcrumb(line)


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("[more...]", "more-link"),
        ("More>>", "more-link"),
        ("Read more", "more-link"),
        ("(more)", "more-link"),
        ("Full story", "more-link"),
        ("Copyright © 2023 China Daily", "copyright"),
        ("All rights reserved.", "copyright"),
        ("Share this article", "share-bar"),
        ("Chinese Dictionary:", "widget"),
        ("Related News", "widget"),
        ("Editor: Wang Wei", "editor-line"),
        ("The board said it reserved all rights to appeal the decision in court.", ""),
        ("Read more about the plan in the annex, the minister told reporters.", ""),
    ],
)
def test_line_rules(line: str, rule: str) -> None:
    assert boilerplate_rule(line) == rule


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("March 15,2023", "2023-03-15"),
        ("Sept. 4, 2021", "2021-09-04"),
        ("15 March 2023", "2023-03-15"),
        ("2023/3/5", "2023-03-05"),
        ("2023年3月15日", "2023-03-15"),
        ("no date here", ""),
    ],
)
def test_dates_are_iso(text: str, iso: str) -> None:
    assert parse_date(text) == iso


def test_sentences_are_not_meta_lines() -> None:
    assert parse_meta_line("By 2030 the city will have doubled its population, he said.") is None
    assert parse_meta_line("Source: Xinhua").publisher == "Xinhua"


def test_repeated_lines_are_learned_per_source(tmp_path: Path) -> None:
    footer = "This story was first published by the Example Wire, which retains its copyright."
    stories = [
        "The council met on Monday to vote on the budget for the coming year.",
        "A new bridge over the river will open to traffic next spring, engineers said.",
        "The museum reopened after two years of renovation work on its old halls.",
    ]
    site_a, site_b = tmp_path / "site-a", tmp_path / "site-b"
    site_a.mkdir()
    site_b.mkdir()
    for n, story in enumerate(stories):
        (site_a / f"{n}.txt").write_text(f"{story}\n\n{footer}\n")
    (site_b / "0.txt").write_text(f"{stories[0]}\n\n{footer}\n")
    result = invoke(["clean", "-q", "--repeated-lines", "3", "--explain", str(tmp_path)])
    records = parse_jsonl(result.stdout_bytes)
    assert [r["text"] for r in records[:3]] == stories
    assert records[3]["text"] == f"{stories[0]}\n\n{footer}"  # another site: seen once
    assert {"rule": "repeated-line", "text": footer} in records[0]["metadata"]["removed"]
    assert invoke(["clean", "--repeated-lines", "1", str(tmp_path)]).exit_code == 2


def test_repeated_lines_in_the_library_reads_a_generator_once() -> None:
    records = (
        Record(id=str(n), text=f"story {n} text\n\nsame footer", source="s/x") for n in range(3)
    )
    out = list(clean_records(records, CleanConfig(repeated_lines=3)))
    assert [r.text for r in out] == ["story 0 text", "story 1 text", "story 2 text"]


def test_no_boilerplate_keeps_the_page_as_it_was(tmp_path: Path) -> None:
    result = invoke(["clean", "-q", "--no-boilerplate", str(next(SAMPLES.glob("004_*")))])
    record = parse_jsonl(result.stdout_bytes)[0]
    assert record["text"].startswith("Home > CSHRS > NEWS >")
    assert record["metadata"]["title"] == ""


def test_short_documents_are_not_emptied() -> None:
    for text in ["Breaking: talks resume", "One line", "Title only\n\nShort"]:
        (record,) = clean_records([Record(id="s", text=text)])
        assert record.text or record.metadata["title"]
