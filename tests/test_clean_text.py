"""``ingest clean`` part 1: mojibake repair, normalization, idempotence."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import CleanConfig, Record, clean_records, read_records
from ingest.clean.normalize import normalize_text

from .conftest import SAMPLES, invoke, parse_jsonl

TEXTS: dict[str, str] = json.loads(
    (Path(__file__).parent / "data" / "multilingual.json").read_text()
)


def mojibake(text: str, wrong: str = "sloppy-windows-1252") -> str:
    """What a page looks like after a browser decoded its UTF-8 bytes as ``wrong``."""
    return text.encode("utf-8").decode(wrong)


@pytest.mark.parametrize("key", ["fr", "de", "es", "ru", "el", "zh", "ja", "tr"])
def test_correct_text_is_untouched(key: str) -> None:
    text = TEXTS[key]
    cleaned, repairs = normalize_text(text)
    assert cleaned == unicodedata.normalize("NFC", text)
    assert repairs == []


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("The countryâ€™s â€œbestâ€\x9d friend", "The country’s “best” friend"),
        (mojibake(TEXTS["fr"]), TEXTS["fr"]),
        (mojibake(TEXTS["de"], "latin-1"), TEXTS["de"]),
        (mojibake(TEXTS["ru"]), TEXTS["ru"]),
    ],
)
def test_mojibake_is_repaired_and_recorded(broken: str, fixed: str) -> None:
    (record,) = clean_records([Record(id="m", text=broken)])
    assert record.text == fixed
    assert record.metadata["repairs"] and record.metadata["repairs"][0].startswith("mojibake:")


def test_mojibake_file_through_the_cli_and_no_repair_option(tmp_path: Path) -> None:
    path = tmp_path / "moji.txt"
    path.write_text(mojibake(TEXTS["es"]), encoding="utf-8")
    repaired = parse_jsonl(invoke(["clean", "-q", str(path)]).stdout_bytes)[0]
    assert repaired["text"] == TEXTS["es"]
    kept = parse_jsonl(invoke(["clean", "-q", "--no-repair", str(path)]).stdout_bytes)[0]
    assert kept["text"] == normalize_text(mojibake(TEXTS["es"]), repair=False)[0]
    assert "seÃ±alaron" in kept["text"] and kept["metadata"]["repairs"] == []


def test_normalization_steps() -> None:
    raw = (
        "  Title\r\n\r\n\r\n\r\nLine\u00a0one\u200b\u00ad here\x07\r\n"
        "nai\u0308ve  caf&eacute; &amp;amp; co\u3000end\t\n"
    )
    text, _ = normalize_text(raw)
    assert text == "Title\n\nLine one here\nnaïve café & co end"
    assert unicodedata.is_normalized("NFC", text)


def test_entities_are_kept_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "e.txt"
    path.write_text("AT&amp;T")
    out = parse_jsonl(invoke(["clean", "-q", "--keep-entities", str(path)]).stdout_bytes)
    assert out[0]["text"] == "AT&amp;T"


def test_zero_width_joiners_in_emoji_and_persian_are_kept() -> None:
    text = "family 👨\u200d👩\u200d👧 and می\u200cخواهم"
    assert normalize_text(text)[0] == text


def test_samples_come_out_normalized() -> None:
    records = list(clean_records(read_records([str(SAMPLES)]), CleanConfig()))
    assert len(records) == 8
    for record in records:
        assert (
            "\r" not in record.text and "\u00a0" not in record.text and "\n\n\n" not in record.text
        )
        assert record.text == record.text.strip()
        assert record.metadata["repairs"] == []  # the samples are decoded right: no mojibake


def test_cleaning_the_output_again_changes_nothing() -> None:
    once = invoke(["clean", "-q", str(SAMPLES)]).stdout_bytes
    twice = invoke(["clean", "-q"], input=once).stdout_bytes
    assert [r["text"] for r in parse_jsonl(once)] == [r["text"] for r in parse_jsonl(twice)]
    assert parse_jsonl(once) == [{**r, "metadata": {**r["metadata"]}} for r in parse_jsonl(twice)]


TEXTISH = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
    max_size=300,
) | st.lists(
    st.sampled_from(
        [
            "â€™",
            "Ã©",
            "&amp;",
            "&lt;",
            "\r\n",
            "\n\n\n",
            "\u00a0",
            "\u200b",
            "e\u0301",
            " ",
            "中文",
            "Москва",
            "&#x41;",
            "\x85",
            "\ufeff",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTISH)
def test_clean_is_idempotent_on_arbitrary_text(text: str) -> None:
    (once,) = clean_records([Record(id="x", text=text)])
    (twice,) = clean_records([Record(id="x", text=once.text, metadata=dict(once.metadata))])
    assert twice.text == once.text
    assert twice.metadata == once.metadata
    # the rules themselves too: a record clean wrote skips them (its empty_reason says it
    # was cleaned); without that key the same record goes through them again
    rerun = {key: value for key, value in once.metadata.items() if key != "empty_reason"}
    (again,) = clean_records([Record(id="x", text=once.text, metadata=dict(rerun))])
    assert again.text == once.text
    # (an empty text's reason is then "empty document": what it was is not known any more)
    assert {key: value for key, value in again.metadata.items() if key != "empty_reason"} == rerun


def test_terminal_colours_go_whole_from_ascii_text_too(tmp_path: Path) -> None:
    # ASCII text skips ftfy (no mojibake in it): the control rule then took the ESC only and
    # left "[31m" in the text, where non-ASCII text lost the whole sequence.
    log = tmp_path / "build.txt"
    log.write_bytes(b"Status: \x1b[31mFAILED\x1b[0m today, see the log.\n")
    result = invoke(["clean", "-q", str(log)])
    assert result.exit_code == 0, result.stderr
    (record,) = parse_jsonl(result.stdout_bytes)
    assert record["text"] == "Status: FAILED today, see the log."
    same = Record("r", "Statut : \x1b[1mÉCHEC\x1b[0m", "r")
    (cleaned,) = clean_records([same], CleanConfig())
    assert cleaned.text == "Statut : ÉCHEC"


def test_a_record_whose_empty_reason_is_null_was_never_cleaned(tmp_path: Path) -> None:
    # what clean wrote carries a string empty_reason and is not cleaned twice; null (a
    # Parquet column of records never cleaned) or no key at all is a record to clean
    text = (
        "Home > News > Local\n\nThe council approved the new park by the river after two years.\n"
    )
    lines = [
        json.dumps({"id": "null", "text": text, "metadata": {"empty_reason": None}}),
        json.dumps({"id": "none", "text": text}),
        json.dumps({"id": "cleaned", "text": text, "metadata": {"empty_reason": ""}}),
    ]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    result = invoke(["clean", "-q", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 0, result.stderr
    texts = {r["id"]: r["text"] for r in parse_jsonl(result.stdout_bytes)}
    stripped = "The council approved the new park by the river after two years."
    assert texts == {"null": stripped, "none": stripped, "cleaned": text.strip()}
