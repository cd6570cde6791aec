"""The I/O layer: every input kind, compression in and out, atomic output, ids."""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import json
import lzma
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zstandard

from ingest import InputError, Record, read_records, write_records
from ingest.io import encode_line as write_line
from ingest.io import expand_inputs

from .conftest import SAMPLE_IDS, SAMPLES, invoke, parse_jsonl, run_ingest

COMPRESSORS = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
}
DECOMPRESSORS = {
    ".gz": gzip.decompress,
    ".bz2": bz2.decompress,
    ".xz": lzma.decompress,
    ".zst": lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data),
}


def jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def test_folder_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("zed")
    (tmp_path / "b" / "a.txt").write_text("ay")
    (tmp_path / "c.txt").write_text("see")
    (tmp_path / ".hidden").write_text("not a document")
    records = list(read_records([str(tmp_path)]))
    assert [r.id for r in records] == ["b/a.txt", "b/z.txt", "c.txt"]
    assert [r.text for r in records] == ["ay", "zed", "see"]
    assert records[0].source == str(tmp_path / "b" / "a.txt")


def test_samples_are_read_with_their_file_names_as_ids() -> None:
    records = list(read_records([str(SAMPLES)]))
    assert [r.id for r in records] == SAMPLE_IDS
    assert [r.metadata["encoding"] for r in records] == ["utf-8"] * 5 + [
        "cp1252",  # <meta charset="windows-1252">
        "cp1252",  # http-equiv iso-8859-1, widened as browsers do
        "utf-16-le",  # a byte-order mark
    ]


def test_glob_and_single_file(tmp_path: Path) -> None:
    for name in ("one.txt", "two.txt", "three.md"):
        (tmp_path / name).write_text(name)
    by_glob = list(read_records([str(tmp_path / "*.txt")]))
    assert [r.id for r in by_glob] == ["one.txt", "two.txt"]
    single = list(read_records([str(tmp_path / "three.md")]))
    assert [(r.id, r.text) for r in single] == [("three.md", "three.md")]


def test_glob_that_matches_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file matches"):
        list(read_records([str(tmp_path / "*.nothing")]))


def test_jsonl_keeps_unknown_keys_and_fills_missing_ids(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        jsonl(
            {"id": "x", "text": "hello", "url": "http://a", "metadata": {"lang": "en"}},
            {"text": "no id", "source": "site-b"},
            {"id": 7, "text": "int id"},
        )
    )
    records = list(read_records([str(path)]))
    assert [r.id for r in records] == ["x", f"{path}:2", "7"]
    assert records[0].metadata == {"lang": "en", "url": "http://a"}
    assert records[1].source == "site-b"
    assert records[2].source == str(path)


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_compressed_inputs_are_read_by_suffix(tmp_path: Path, suffix: str) -> None:
    compress = COMPRESSORS[suffix]
    (tmp_path / f"doc.txt{suffix}").write_bytes(compress("Grüße aus Genf".encode()))
    (tmp_path / f"recs.jsonl{suffix}").write_bytes(compress(jsonl({"id": "r", "text": "t"})))
    records = list(read_records([str(tmp_path)]))
    assert [(r.id, r.text) for r in records] == [(f"doc.txt{suffix}", "Grüße aus Genf"), ("r", "t")]


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_compressed_stdin_is_read_by_magic_number(suffix: str) -> None:
    payload = COMPRESSORS[suffix](jsonl({"id": "a", "text": "from stdin"}))
    result = invoke(["clean", "-q"], input=payload)
    assert result.exit_code == 0, result.stderr
    assert [(r["id"], r["text"]) for r in parse_jsonl(result.stdout_bytes)] == [("a", "from stdin")]


@pytest.mark.parametrize("suffix", sorted(DECOMPRESSORS))
def test_output_is_compressed_by_suffix(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"corpus.jsonl{suffix}"
    result = invoke(["clean", "-q", str(SAMPLES), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    records = parse_jsonl(DECOMPRESSORS[suffix](out.read_bytes()))
    assert [r["id"] for r in records] == SAMPLE_IDS
    # and ingest reads its own compressed output back
    again = invoke(["clean", "-q", str(out)])
    assert parse_jsonl(again.stdout_bytes) == records


def test_stdin_raw_document_and_stdin_jsonl() -> None:
    raw = invoke(["clean", "-q", "-"], input=b"  just text\n")
    assert [(r["id"], r["text"]) for r in parse_jsonl(raw.stdout_bytes)] == [
        ("<stdin>", "just text")
    ]
    records = invoke(["clean", "-q"], input=b"\n  " + jsonl({"text": "a"}, {"text": "b"}))
    assert [r["id"] for r in parse_jsonl(records.stdout_bytes)] == ["<stdin>:2", "<stdin>:3"]


def test_every_record_has_the_same_keys_and_types(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(
        jsonl({"text": "plain"}, {"id": "q", "text": "x", "extra": 1})
    )
    (tmp_path / "b.txt").write_text("raw document")
    records = parse_jsonl(invoke(["clean", "-q", str(tmp_path)]).stdout_bytes)
    shapes = {
        (tuple(r), tuple((k, type(v).__name__) for k, v in r["metadata"].items() if k != "extra"))
        for r in records
    }
    assert len(shapes) == 1
    assert list(records[0]) == ["id", "text", "source", "metadata"]


def test_repeated_ids_are_made_unique(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "index.txt").write_text(folder)
    (tmp_path / "dup.jsonl").write_bytes(
        jsonl({"id": "same", "text": "1"}, {"id": "same", "text": "2"})
    )
    ids = [
        r.id
        for r in read_records(
            [str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "dup.jsonl")]
        )
    ]
    assert len(ids) == len(set(ids)) == 4
    assert ids[:2] == ["index.txt", str(tmp_path / "b" / "index.txt")]


def test_write_records_is_atomic_when_the_stream_fails(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    out.write_text("old corpus\n")

    def failing():
        yield Record(id="1", text="one")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_records(failing(), str(out))
    assert out.read_text() == "old corpus\n"
    assert os.listdir(tmp_path) == ["corpus.jsonl"]


LINUX_PROC = pytest.mark.skipif(
    not (hasattr(os, "O_TMPFILE") and Path("/proc/self/fd").is_dir()), reason="needs O_TMPFILE"
)


def watched(records: list[Record], folder: Path, seen: list[list[str]]) -> Iterator[Record]:
    """``records``, noting the folder's names and this process's open files there while
    the output is being written."""
    yield from records
    opened = [os.readlink(fd) for fd in Path("/proc/self/fd").iterdir() if fd.is_symlink()]
    seen.append(sorted(os.listdir(folder)) + sorted(p for p in opened if f"{folder}/#" in p))


@LINUX_PROC
def test_write_records_writes_an_unnamed_file_until_the_end(tmp_path: Path) -> None:
    """Until it is complete, the output has no name in the folder (a SIGKILL leaves
    nothing), and it gets the mode a new file gets under the umask, as before."""
    out = tmp_path / "corpus.jsonl"
    seen: list[list[str]] = []
    old_umask = os.umask(0o027)
    try:
        write_records(watched([Record(id="1", text="one")], tmp_path, seen), out)
    finally:
        os.umask(old_umask)
    [(unnamed,)] = seen
    assert unnamed.startswith(f"{tmp_path}/#") and unnamed.endswith(" (deleted)")
    assert os.listdir(tmp_path) == ["corpus.jsonl"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o640)
    assert parse_jsonl(out.read_bytes()) == [Record(id="1", text="one").to_dict()]


@pytest.fixture(params=["no O_TMPFILE", "EOPNOTSUPP"])
def old_output_without_unnamed_files(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """``corpus.jsonl`` holding an old corpus, on a system that looks as if it had no unnamed
    files (``O_TMPFILE``): none at all, or a file system that refuses them."""
    if request.param == "no O_TMPFILE":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    else:
        real_open, flag = os.open, getattr(os, "O_TMPFILE", 0)

        def refusing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flag and flags & flag == flag:
                raise OSError(errno.EOPNOTSUPP, "Operation not supported", path)
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing)
    out = tmp_path / "corpus.jsonl"
    out.write_text("old corpus\n")
    return out


def test_without_unnamed_files_a_named_temporary_is_used_and_removed(
    old_output_without_unnamed_files: Path,
) -> None:
    out = old_output_without_unnamed_files
    out.chmod(0o600)
    seen: list[list[str]] = []

    def failing() -> Iterator[Record]:
        yield from watched([Record(id="1", text="one")], out.parent, seen)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_records(failing(), out)
    [(name, old)] = seen
    assert name.startswith(".ingest-") and name.endswith(".tmp") and old == "corpus.jsonl"
    assert out.read_text() == "old corpus\n"
    assert os.listdir(out.parent) == ["corpus.jsonl"]
    assert write_records([Record(id="2", text="two")], out) == 1
    assert os.listdir(out.parent) == ["corpus.jsonl"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert parse_jsonl(out.read_bytes())[0]["id"] == "2"


def test_without_unnamed_files_a_failed_cli_run_keeps_the_old_output(
    old_output_without_unnamed_files: Path,
) -> None:
    out = old_output_without_unnamed_files
    missing = str(out.parent / "missing")
    failed = invoke(["clean", "--strict", str(SAMPLES), missing, "-o", str(out)])
    assert failed.exit_code == 1
    assert out.read_text() == "old corpus\n"
    assert os.listdir(out.parent) == ["corpus.jsonl"]
    assert invoke(["clean", "-q", str(SAMPLES), "-o", str(out)]).exit_code == 0
    assert len(parse_jsonl(out.read_bytes())) == len(SAMPLE_IDS)
    assert os.listdir(out.parent) == ["corpus.jsonl"]


def test_lone_surrogates_are_written_as_replacement_characters(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    write_records([Record(id="s", text="bad \ud800 half")], str(out))
    assert json.loads(out.read_bytes())["text"] == "bad \ufffd half"


def test_ids_that_differ_only_by_lone_surrogates_stay_unique_as_written(tmp_path: Path) -> None:
    """``a\\ud800`` is written as ``a\ufffd``: the two ids are one in the output, so the
    second is renamed (as any repeated id is), with one worker or two."""
    data = tmp_path / "ids.jsonl"
    data.write_bytes(
        b'{"id": "a\\ud800", "text": "one"}\n{"id": "a\\ufffd", "text": "two"}\n'
        b'{"id": "a\\udfff", "text": "three"}\n'
    )
    expected = ["a\ufffd", str(data), f"{data}~2"]
    records = list(read_records([str(data)]))
    assert [json.loads(write_line(r))["id"] for r in records] == expected
    for command in ("clean", "dedupe", "run"):
        for jobs in ("1", "2"):
            result = run_ingest([command, "-q", "-j", jobs, str(data)])
            assert result.returncode == 0, result.stderr
            assert [r["id"] for r in parse_jsonl(result.stdout)] == expected, (command, jobs)


def test_expand_inputs_reports_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        list(expand_inputs([str(tmp_path / "missing")]))


def test_a_json_file_of_one_document_over_many_lines(tmp_path: Path) -> None:
    """A pretty-printed `.json` (an object, or an array of objects) is its records, not one
    error per line; a `.json` of JSONL lines is still JSONL."""
    (tmp_path / "a_array.json").write_text(
        json.dumps([{"id": "x", "text": "one"}, {"text": "two"}, 3], indent=2)
    )
    (tmp_path / "b_object.json").write_text(
        json.dumps({"text": "story", "lang": "en"}, indent=2), encoding="utf-8"
    )
    (tmp_path / "c_lines.json").write_text('{"text": "l1"}\n{"text": "l2"}\n')
    (tmp_path / "d_meta.json").write_text(json.dumps({"title": "no text here"}, indent=2))
    result = run_ingest(["split", "-q", str(tmp_path)])
    assert result.returncode == 1
    records = parse_jsonl(result.stdout)
    assert [r["text"] for r in records] == ["one", "two", "story", "l1", "l2"]
    # The ids JSONL lines get: <path>:<n>, n the line or the array's element.
    assert [r["id"] for r in records] == [
        "x",
        f"{tmp_path / 'a_array.json'}:2",
        f"{tmp_path / 'b_object.json'}:1",
        f"{tmp_path / 'c_lines.json'}:1",
        f"{tmp_path / 'c_lines.json'}:2",
    ]
    assert records[2]["metadata"]["lang"] == "en"
    errors = result.stderr.decode().splitlines()
    assert errors == [
        f"ingest: error: {tmp_path / 'a_array.json'}:3: expected a JSON object",
        f'ingest: error: {tmp_path / "d_meta.json"}:1: record has no string "text" field',
    ]
    library = list(read_records([str(tmp_path / "b_object.json")]))
    assert [(r.text, r.metadata["lang"]) for r in library] == [("story", "en")]


def test_ids_in_a_walked_folder_are_the_paths_below_the_argument(tmp_path: Path) -> None:
    """Built name by name while walking, they are what ``os.path.relpath`` gives."""
    root = tmp_path / "dump"
    for relative in ("a.txt", "b/c.txt", "b/d/e f.txt", "b/d/g.v2.txt", "z.jsonl"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("x")
    for argument in (str(root), f"{root}/", f"{root}/.", f"{root}/b/..", f"{tmp_path}//dump"):
        files = list(expand_inputs([argument]))
        assert [f.relative for f in files] == [
            Path(os.path.relpath(f.path, argument)).as_posix() for f in files
        ]
        assert [f.relative for f in files][1:3] == ["b/c.txt", "b/d/e f.txt"]
    result = invoke(["clean", "-q", "-j", "2", str(tmp_path / "dump" / "b")])
    assert [r["id"] for r in parse_jsonl(result.stdout)] == ["c.txt", "d/e f.txt", "d/g.v2.txt"]


def test_lines_before_an_error_are_written_and_batches_keep_the_order() -> None:
    from ingest.io import outputs

    def lines(fail: bool) -> Iterator[bytes]:
        for n in range(5000):
            yield b'{"id": "%d", "text": "%s"}\n' % (n, b"x" * (n % 300))
        if fail:
            raise ValueError("the input ended badly")

    written = io.BytesIO()
    assert outputs._write_lines(lines(False), written) == 5000
    assert written.getvalue() == b"".join(lines(False))
    assert written.getvalue().count(b"\n") == 5000
    cut = io.BytesIO()
    with pytest.raises(ValueError, match="ended badly"):
        outputs._write_lines(lines(True), cut)
    assert cut.getvalue() == written.getvalue()  # every line made before the error


def test_a_folder_s_regular_files_are_not_looked_at_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.io import inputs

    (tmp_path / "a.txt").write_text("A story of the river.\n")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(tmp_path / "pipe")
    found = {item.relative: item for item in expand_inputs([str(tmp_path)])}
    assert set(found) == {"a.txt", "gone.txt"}  # the FIFO is skipped
    assert found["a.txt"].regular and not found["gone.txt"].regular

    def looked_at(path: str) -> bool:
        raise AssertionError(f"{path} looked at again")

    monkeypatch.setattr(inputs, "is_stream", looked_at)
    assert inputs._holds_one_document(found["a.txt"])
    with pytest.raises(AssertionError, match="looked at again"):
        inputs._holds_one_document(found["gone.txt"])


def test_a_json_file_of_one_array_on_one_line_is_its_records(tmp_path: Path) -> None:
    # what json.dump writes: the array on one line, nothing after it (JSONL lines are
    # objects, so the line is no JSONL); an array line followed by more lines stays JSONL
    (tmp_path / "dumped.json").write_text(json.dumps([{"id": "a", "text": "one"}, {"text": "two"}]))
    (tmp_path / "padded.json").write_text(json.dumps([{"id": "c", "text": "three"}]) + "\n\n")
    result = run_ingest(
        ["clean", "-q", str(tmp_path / "dumped.json"), str(tmp_path / "padded.json")]
    )
    assert result.returncode == 0, result.stderr
    records = parse_jsonl(result.stdout)
    assert [(r["id"], r["text"]) for r in records] == [
        ("a", "one"),
        (f"{tmp_path / 'dumped.json'}:2", "two"),
        ("c", "three"),
    ]
    library = list(read_records([str(tmp_path / "dumped.json")]))
    assert [r.text for r in library] == ["one", "two"]
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"text": "x"}]) + "\n" + json.dumps({"text": "y"}) + "\n")
    result = run_ingest(["clean", "-q", str(mixed)])
    assert [r["text"] for r in parse_jsonl(result.stdout)] == ["y"]
    assert (
        result.stderr.decode()
        == f"ingest: error: {mixed}:1: malformed JSONL record: expected a JSON object\n"
    )
