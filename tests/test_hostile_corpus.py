"""The generated hostile corpus (benchmarks/hostile_corpus.py: text and HTML in 13 encodings,
odd line ends, spaces, controls, ESC sequences, entities, digests, boilerplate, empty and
one-character files) through the real CLI and the library: the same bytes for -j 1 and -j 2,
no traceback, one ``ingest: error:`` line per bad input, the library's records the CLI's.

The differential run against an older checkout is benchmarks/diff_old_new.py (not a test:
it needs that checkout).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from ingest import CleanConfig, clean_records, read_records

from .conftest import ROOT, run_ingest

sys.path.insert(0, str(ROOT / "benchmarks"))
from hostile_corpus import write_corpus


def jsonl(data: bytes) -> list[dict]:
    """JSONL split at newlines only: a raw text's U+0085 or U+2028 is written as itself, and
    str.splitlines would cut the record there."""
    return [json.loads(line) for line in data.split(b"\n") if line.strip()]


STDERR_LINE = re.compile(rb"^ingest(?: \w+)?: (?:error: .+: .+|\d+ in, \d+ out, .*)$")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    write_corpus(folder, seed=7, count=40)
    return folder


def test_the_corpus_holds_every_kind(corpus: Path) -> None:
    names = [p.name for p in (corpus / "gen").iterdir()]
    assert any(n.endswith(".html") for n in names) and any(n.endswith(".txt") for n in names)
    assert {"utf-16-be-bom", "gb18030", "mojibake", "koi8-r"} <= {
        n.rsplit(".", 1)[0].split("-", 3)[3] for n in names
    }
    assert (corpus / "edge" / "empty.txt").stat().st_size == 0


@pytest.mark.parametrize(
    "command",
    [["clean"], ["clean", "--explain", "--no-repair"], ["run"]],
    ids=["clean", "clean-explain-no-repair", "run"],
)
def test_one_and_two_workers_agree_without_tracebacks(corpus: Path, command: list[str]) -> None:
    one = run_ingest([*command, "-j", "1", str(corpus)])
    two = run_ingest([*command, "-j", "2", str(corpus)])
    assert one.returncode == two.returncode == 1  # the binary edge files are errors
    assert one.stdout == two.stdout
    assert len(jsonl(one.stdout)) > 40
    for result in (one, two):
        lines = result.stderr.splitlines()
        assert lines and all(STDERR_LINE.match(line) for line in lines), result.stderr
        # ctrl-only.txt and nul.txt (esc-only.txt is terminal output with no text: empty)
        assert sum(line.startswith(b"ingest: error:") for line in lines) == 2


def test_the_library_cleans_as_the_cli_does(corpus: Path) -> None:
    cli = run_ingest(["clean", "-j", "1", "-q", str(corpus)])
    errors: list[str] = []
    records = read_records([str(corpus)], on_error=lambda error: errors.append(str(error)))
    cleaned = [record.to_dict() for record in clean_records(records, CleanConfig())]
    assert cleaned == jsonl(cli.stdout)
    assert len(errors) == 2
