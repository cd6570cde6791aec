"""CLI conventions: errors, exit codes, atomic output, pipes, signals, determinism, help."""

from __future__ import annotations

import gzip
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import __version__

from .conftest import SAMPLES, invoke, parse_jsonl, run_ingest, temporary_output_size

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


@pytest.fixture
def mixed_inputs(tmp_path: Path) -> Path:
    """A folder with good documents and one of each kind of bad input."""
    (tmp_path / "a_good.txt").write_text("First good document.")
    (tmp_path / "b_image.png").write_bytes(PNG)
    (tmp_path / "c_broken.jsonl").write_text('{"id": "ok", "text": "fine"}\n{"id": oops}\n[1, 2]\n')
    (tmp_path / "d_truncated.txt.gz").write_bytes(gzip.compress(b"some text " * 500)[:-30])
    os.symlink(tmp_path / "gone.txt", tmp_path / "e_dangling.txt")
    (tmp_path / "f_last.txt").write_text("Last good document.")
    return tmp_path


def test_bad_inputs_are_reported_one_line_each_and_the_rest_processed(mixed_inputs: Path) -> None:
    missing = mixed_inputs / "no-such-dir"
    result = run_ingest(["clean", str(mixed_inputs), str(missing)])
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("ingest: error:")]
    assert errors == [
        f"ingest: error: {mixed_inputs}/b_image.png: binary data, not a text document",
        f"ingest: error: {mixed_inputs}/c_broken.jsonl:2: malformed JSONL record: "
        "Expecting value: line 1 column 8 (char 7)",
        f"ingest: error: {mixed_inputs}/c_broken.jsonl:3: malformed JSONL record: "
        "expected a JSON object",
        f"ingest: error: {mixed_inputs}/d_truncated.txt.gz: compressed data is truncated",
        f"ingest: error: {mixed_inputs}/e_dangling.txt: no such file or directory",
        f"ingest: error: {missing}: no such file or directory",
    ]
    ids = [r["id"] for r in parse_jsonl(result.stdout)]
    assert ids == ["a_good.txt", "ok", "f_last.txt"]
    assert stderr.splitlines()[-1].startswith("ingest clean: 3 in, 3 out, 6 errors in ")


def test_a_missing_path_does_not_stop_the_arguments_after_it(tmp_path: Path) -> None:
    result = invoke(
        ["clean", "-q", str(tmp_path / "missing"), str(tmp_path / "*.nothing"), str(SAMPLES)]
    )
    assert result.exit_code == 1
    assert len(parse_jsonl(result.stdout_bytes)) == 8
    assert result.stderr.count("ingest: error:") == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("x")
    path.chmod(0)
    result = invoke(["clean", str(path)])
    assert result.exit_code == 1
    assert "permission denied" in result.stderr


def test_strict_stops_at_the_first_bad_input_and_leaves_the_old_output(
    mixed_inputs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "corpus.jsonl"
    out.write_text("the old corpus\n")
    result = run_ingest(["clean", "--strict", str(mixed_inputs), "-o", str(out)])
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        f"ingest: error: {mixed_inputs}/b_image.png: binary data, not a text document"
    )
    assert out.read_text() == "the old corpus\n"
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".ingest-")]


def test_output_file_is_replaced_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    result = invoke(["clean", "-q", str(SAMPLES), "-o", str(out)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(parse_jsonl(out.read_bytes())) == 8


def test_output_file_has_the_mode_of_a_new_file(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    previous = os.umask(0o022)
    try:
        assert invoke(["clean", "-q", str(SAMPLES), "-o", str(out)]).exit_code == 0
    finally:
        os.umask(previous)
    assert out.stat().st_mode & 0o777 == 0o644


def test_empty_stdin_gives_no_records_and_an_empty_file_an_empty_document(tmp_path: Path) -> None:
    assert invoke(["clean"], input=b"").stdout == ""
    (tmp_path / "empty.txt").write_bytes(b"")
    records = parse_jsonl(invoke(["clean", "-q", str(tmp_path / "empty.txt")]).stdout_bytes)
    assert [(r["id"], r["text"]) for r in records] == [("empty.txt", "")]


def test_output_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke(["clean", str(SAMPLES), "-o", str(tmp_path / "nope" / "out.jsonl")])
    assert result.exit_code == 1
    assert "the folder for the output does not exist" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")
def test_a_full_disk_is_one_line_naming_the_output_not_a_traceback(tmp_path: Path) -> None:
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # as /dev/full, in the test's folder
    with open(full, "wb") as stdout:
        result = subprocess.run(
            [sys.executable, "-m", "ingest", "clean", str(SAMPLES)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert result.returncode == 1
    message = "cannot write: No space left on device"
    assert result.stderr.decode().strip() == f"ingest: error: <stdout>: {message}"
    # a run writes up to three outputs: the line says which one failed
    out = tmp_path / "out.jsonl"
    result = run_ingest(["run", "-q", str(SAMPLES), "--clusters", str(full), "-o", str(out)])
    assert result.returncode == 1
    assert result.stderr.decode().strip() == f"ingest: error: {full}: {message}"


def test_an_unexpected_failure_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.clean

    def broken(record, config):
        raise RuntimeError("parser exploded")

    # The command imports the stage when it runs: patched where it is defined (in this
    # process, and so in the workers forked from it).
    monkeypatch.setattr(ingest.clean, "clean_record", broken)
    result = invoke(["clean", str(SAMPLES)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "ingest: error: unexpected RuntimeError: parser exploded "
        "(please report it; INGEST_DEBUG=1 shows the traceback)"
    )


def test_usage_errors_exit_2() -> None:
    assert invoke(["clean", "--no-such-option"]).exit_code == 2
    bad = invoke(["clean", "--encoding", "klingon-8", str(SAMPLES)])
    assert bad.exit_code == 2
    assert "unknown encoding 'klingon-8'" in bad.stderr


def test_two_runs_give_byte_identical_output(tmp_path: Path) -> None:
    first, second = tmp_path / "1.jsonl.gz", tmp_path / "2.jsonl.gz"
    assert invoke(["clean", "-q", str(SAMPLES), "-o", str(first)]).exit_code == 0
    assert invoke(["clean", "-q", str(SAMPLES), "-o", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    a = run_ingest(["clean", "-q", str(SAMPLES)]).stdout
    b = run_ingest(["clean", "-q", str(SAMPLES)]).stdout
    assert a == b and a


def test_pipe_into_head_exits_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_text(
        "".join(f'{{"id": "{i}", "text": "document number {i}"}}\n' for i in range(20000))
    )
    shell = f"{sys.executable} -m ingest clean {big} | head -1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert b"Traceback" not in result.stderr and b"BrokenPipe" not in result.stderr


def test_ctrl_c_exits_130_without_traceback_or_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", "clean", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # A job started in the background by a shell (as CI may be) inherits SIGINT ignored;
        # a person at a terminal has it at its default: test what the person gets.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stdin is not None
    process.stdin.write(b'{"text": "a record"}\n' * 1000)
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and temporary_output_size(process.pid, tmp_path) is None:
        time.sleep(0.05)  # wait until the run has opened its temporary output
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in stderr
    assert os.listdir(tmp_path) == []


INTERRUPT_WHILE_PARSING = """
import sys
import ingest.encoding

def interrupted(name):
    raise KeyboardInterrupt

# --encoding is checked while click parses the options, before the command runs.
ingest.encoding.normalize_encoding_name = interrupted
sys.argv = ["ingest", "clean", "--encoding", "utf-8", "-"]
from ingest.__main__ import main
main()
"""


def test_ctrl_c_before_the_command_runs_exits_130_too() -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_WHILE_PARSING], capture_output=True, timeout=60
    )
    assert result.returncode == 130
    assert result.stderr.decode().split() == ["ingest:", "interrupted"]


def test_main_keeps_click_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ingest.cli import main

    for argv, code, shown in (
        (["ingest", "--help"], 0, "Usage: ingest"),
        (["ingest", "clean", "--no-such-option"], 2, "No such option"),
        (["ingest", "no-such-command"], 2, "No such command"),
    ):
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == code
        captured = capsys.readouterr()
        assert shown in captured.out + captured.err


def test_stdout_is_utf8_whatever_the_locale() -> None:
    result = run_ingest(["clean", "-q"], input="Grüße, 你好".encode())
    assert result.returncode == 0, result.stderr
    assert parse_jsonl(result.stdout)[0]["text"] == "Grüße, 你好"


def test_summary_goes_to_stderr_and_quiet_suppresses_it() -> None:
    loud = invoke(["clean", str(SAMPLES)])
    assert loud.stderr.startswith("ingest clean: 8 in, 8 out, 0 errors in ")
    assert invoke(["clean", "-q", str(SAMPLES)]).stderr == ""


def test_version_and_module_entry_point() -> None:
    assert invoke(["--version"]).stdout.strip() == f"ingest, version {__version__}"
    assert run_ingest(["--version"]).stdout.decode().strip() == f"ingest, version {__version__}"


def test_help_of_every_command_has_an_example() -> None:
    from ingest.cli import cli

    assert "Example:" in invoke(["--help"]).stdout
    for name in cli.commands:
        text = invoke([name, "--help"]).stdout
        assert "Example:" in text and f"ingest {name}" in text, name
        assert "--output" in text and "--strict" in text


def test_run_output_has_one_schema_for_dataframe_loaders() -> None:
    """datasets / pandas need every line to have the same keys with the same types."""
    records = parse_jsonl(invoke(["run", "-q", "--mark", str(SAMPLES)]).stdout_bytes)

    def shape(value: object) -> object:
        if isinstance(value, dict):
            return tuple((k, shape(v)) for k, v in value.items())
        if isinstance(value, list):
            return "list"
        return type(value).__name__

    shapes = {shape(record) for record in records}
    assert len(records) == 42 and len(shapes) == 1  # --mark keeps the 3 syndicated copies


def test_top_level_help_shows_each_summary_whole_and_the_exit_codes() -> None:
    from click.testing import CliRunner

    from ingest.cli import cli

    for width in (80, 200):
        text = CliRunner().invoke(cli, ["--help"], terminal_width=width).stdout
        for name, command in cli.commands.items():
            assert command.short_help and f"{name}  " in text
            assert " ".join(command.short_help.split()) in " ".join(text.split()), (width, name)
            assert "..." not in command.short_help
    text = invoke(["--help"]).stdout
    for code in ("0 ", "1 ", "2 ", "130 "):
        assert f"\n    {code}" in text, code


@pytest.mark.parametrize("command", ["run", "clean", "split", "dedupe"])
def test_no_input_on_a_terminal_is_a_usage_hint_not_a_wait(command: str) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ingest", command],
            stdin=follower,
            capture_output=True,
            timeout=60,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 2
    assert b"no input: name files, folders or globs, or pipe documents in" in result.stderr
    assert result.stdout == b""


def test_shell_completion_offers_commands_options_and_choices() -> None:
    def complete(words: str, index: int) -> list[str]:
        env = {**os.environ, "_INGEST_COMPLETE": "bash_complete", "COMP_WORDS": words}
        env["COMP_CWORD"] = str(index)
        result = subprocess.run(
            [sys.executable, "-m", "ingest"], env=env, capture_output=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.decode().split()

    assert complete("ingest de", 1) == ["plain,dedupe"]
    assert complete("ingest dedupe --keep ", 3) == [
        "plain,first",
        "plain,longest",
        "plain,metadata",
    ]


def test_the_package_ships_its_type_hints() -> None:
    """PEP 561: mypy checks a library user's calls against ingest's hints."""
    import ingest

    assert (Path(ingest.__file__).parent / "py.typed").is_file()


@pytest.mark.parametrize("command", ["clean", "split", "dedupe", "run"])
def test_an_output_that_is_one_of_the_inputs_is_refused_before_any_work(
    tmp_path: Path, command: str
) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A story of the day, long enough to be kept as it is by every stage.\n")
    before = page.read_bytes()
    link = tmp_path / "link.txt"
    link.symlink_to(page)
    for named in (page, link):  # the same file, by any name
        result = invoke([command, "-q", str(tmp_path / "other.txt"), str(named), "-o", str(page)])
        assert result.exit_code == 2
        assert f"{named} is both an input and the output (-o)" in result.stderr
        assert page.read_bytes() == before
    assert run_ingest([command, "-q", str(page), "-o", str(tmp_path / "out.jsonl")]).returncode == 0


@pytest.mark.parametrize("command", ["clean", "run"])
def test_the_output_in_a_folder_being_read_is_left_out(tmp_path: Path, command: str) -> None:
    # an output written into the folder a run reads was read back at the next run (twice the
    # records, four times at the one after), and stdout redirected there is read while written
    folder = tmp_path / "pages"
    folder.mkdir()
    stories = [
        "The harbour reopened after the storm, and the first ferries left at dawn.",
        "A new library opens on Sunday with a reading room for the town's children.",
        "The council voted to repair the old bridge before the winter comes back.",
    ]
    for n, story in enumerate(stories):
        (folder / f"{n}.txt").write_text(story + "\n")
    out = folder / "out.jsonl"
    runs = [run_ingest([command, str(folder), "-o", str(out)]) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr
    assert "1 of the run's own files skipped in folders" in runs[1].stderr.decode()
    assert len(parse_jsonl(out.read_bytes())) == 3
    redirected = folder / "stdout.jsonl"
    for _ in range(2):
        with open(redirected, "wb") as stdout:
            done = subprocess.run(
                [sys.executable, "-m", "ingest", command, "-q", str(folder)],
                stdout=stdout,
                stderr=subprocess.PIPE,
                timeout=120,
            )
        assert done.returncode == 0, done.stderr
    # out.jsonl is another file: its 3 records are read (run finds them copies of the
    # pages), the output being written is not
    assert len(parse_jsonl(redirected.read_bytes())) == (6 if command == "clean" else 3)


def test_dedupe_files_and_links_to_the_output_in_a_folder_being_read_are_left_out(
    tmp_path: Path,
) -> None:
    # the clusters report, the index and its lock were read back as inputs (the lock as an
    # empty document at the first run, the others as errors at the second); and a link in
    # the folder to the output file names the output too
    folder = tmp_path / "in"
    folder.mkdir()
    for n, story in enumerate(["The harbour reopened after the storm today.", "A library opens."]):
        (folder / f"{n}.txt").write_text(story + " " + "More about it in the town. " * 5)
    command = ["dedupe", str(folder), "-o", str(folder / "out.jsonl")]
    command += ["--clusters", str(folder / "clusters.jsonl"), "--index", str(folder / "idx")]
    for _ in range(2):
        result = run_ingest(command)
        assert result.returncode == 0, result.stderr
        assert "ingest dedupe: 2 in" in result.stderr.decode()
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "a.txt").write_text("A story that is long enough to be a story of its own today.\n")
    (linked / "corpus.jsonl").symlink_to(tmp_path / "corpus.jsonl")
    (tmp_path / "corpus.jsonl").write_text("")
    for _ in range(3):
        result = run_ingest(["clean", "-q", str(linked), "-o", str(tmp_path / "corpus.jsonl")])
        assert result.returncode == 0, result.stderr
    assert len(parse_jsonl((tmp_path / "corpus.jsonl").read_bytes())) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")
def test_an_index_that_is_a_device_or_a_fifo_is_refused(tmp_path: Path) -> None:
    zero = tmp_path / "zero"
    os.mknod(zero, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # as /dev/zero: endless bytes
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for index in (zero, fifo):
        result = run_ingest(["dedupe", "-q", str(SAMPLES), "--index", str(index)], timeout=60)
        assert result.returncode == 1
        assert (
            result.stderr.decode()
            == f"ingest: error: {index}: not a regular file, not a dedupe index\n"
        )
        assert not Path(f"{index}.lock").exists()  # refused before its lock is made
