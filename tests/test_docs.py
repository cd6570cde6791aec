"""The README and --help stay true: every command documented, the quick start as promised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.cli import cli

from .conftest import ROOT, SAMPLES, invoke

README = (ROOT / "README.md").read_text()


def test_every_command_has_a_readme_section_with_an_example() -> None:
    for name in cli.commands:
        section = README.split(f"### `ingest {name}`", 1)
        assert len(section) == 2, f"README has no section for ingest {name}"
        assert f"ingest {name} " in section[1].split("###", 1)[0], f"no example of ingest {name}"


def test_quick_start_is_exactly_two_commands_that_install_and_run() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    assert "pip install ." in commands[0] and "samples/" in commands[0]
    assert "'.[test]'" in commands[1] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1].split("&& pip install ", 1)[1] in ci


def test_every_option_has_help_text() -> None:
    import click

    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help and len(param.help) > 10, f"ingest {name} {param.opts[0]}"
        assert "--help" in invoke([name, "--help"]).stdout


def test_readme_summary_of_the_samples_is_what_the_run_prints() -> None:
    from .conftest import SAMPLES

    result = invoke(["run", str(SAMPLES)])
    summary = result.stderr.strip().rsplit(" in ", 1)[0]
    assert summary == "ingest run: 8 in, 39 out, 0 errors, 2 exact and 1 near duplicates removed"
    assert " ".join(summary.split()) in " ".join(README.split())


def test_every_library_example_runs_as_written_and_writes_what_the_cli_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    section = README.split("## Library", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(examples) == 2
    (tmp_path / "samples").symlink_to(SAMPLES)
    monkeypatch.chdir(tmp_path)
    for example in examples:
        exec(compile(example, "README.md (Library)", "exec"), {})
    printed = capsys.readouterr().out
    assert printed == "0 exact and 3 near duplicates removed\n"
    assert f"# {printed.strip()}" in examples[1]  # what the example says it prints
    assert (tmp_path / "seen.index").is_file()
    invoke(["run", "samples/", "--keep", "longest", "-q", "-o", "run.jsonl"])
    invoke(["dedupe", "samples/", "--mark", "-q", "-o", "dedupe.jsonl"])
    assert Path("corpus.jsonl").read_bytes() == Path("run.jsonl").read_bytes()
    assert Path("marked.jsonl").read_bytes() == Path("dedupe.jsonl").read_bytes()
