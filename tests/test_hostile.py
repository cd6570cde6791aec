"""Hostile inputs and outputs through the real CLI (a subprocess): special output paths,
damaged archives, loops, FIFOs, deep and huge records, signals (#12).

For each: the exit code, one line per error and no traceback, nothing good lost, no existing
output destroyed, no temporary file left. Special files are made inside ``tmp_path``.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard

from ingest.parallel import WORKER_LOST

from .conftest import (
    SAMPLE_FILES,
    SAMPLES,
    invoke,
    parse_jsonl,
    run_ingest,
    temporary_output_size,
)

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
}
COMMANDS = ("clean", "split", "dedupe", "run")
SAMPLE_ARGS = [str(p) for p in SAMPLE_FILES[:2]]  # two real pages: enough to write
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")


def jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def many_records(count: int, prefix: str = "r") -> bytes:
    return jsonl(
        *(
            {"id": f"{prefix}{i}", "text": f"Story {prefix} {i}: " + f"word{i} " * 30}
            for i in range(count)
        )
    )


def errors_of(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    """The error lines of a run, checking that stderr holds nothing but one-line messages."""
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr
    for line in stderr.splitlines():
        assert line.startswith(("ingest: ", *(f"ingest {c}: " for c in COMMANDS))), line
    return [line for line in stderr.splitlines() if line.startswith("ingest: error:")]


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.rglob(".ingest-*")]


def char_device(path: Path, minor: int) -> Path:
    """A memory device (1, 3: null; 1, 7: full) made inside the test's folder."""
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return path


# -- 1. output paths that are not regular files ---------------------------------------------


@ROOT_ONLY
def test_output_onto_a_null_device_writes_through_it(tmp_path: Path) -> None:
    null = char_device(tmp_path / "null", 3)
    result = run_ingest(["clean", "-q", *SAMPLE_ARGS, "-o", str(null)])
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(null.stat().st_mode)
    assert os.listdir(tmp_path) == ["null"]


@ROOT_ONLY
def test_output_onto_a_full_device_is_an_error_and_the_device_stays(tmp_path: Path) -> None:
    full = char_device(tmp_path / "full", 7)
    result = run_ingest(["clean", "-q", *SAMPLE_ARGS, "-o", str(full)])
    assert result.returncode == 1
    assert errors_of(result) == [f"ingest: error: {full}: cannot write: No space left on device"]
    assert stat.S_ISCHR(full.stat().st_mode)


def test_output_into_a_fifo_is_written_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run_ingest(["clean", "-q", *SAMPLE_ARGS, "-o", str(fifo)], timeout=60)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(parse_jsonl(received[0])) == len(SAMPLE_FILES[:2])
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_output_through_a_link_to_stdout_goes_to_stdout(tmp_path: Path) -> None:
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    result = run_ingest(["clean", "-q", *SAMPLE_ARGS, "-o", str(link)])
    assert result.returncode == 0, result.stderr
    assert len(parse_jsonl(result.stdout)) == len(SAMPLE_FILES[:2])
    assert link.is_symlink()


@pytest.mark.parametrize("command", ["clean", "dedupe", "run"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_closed_stdout_is_one_clear_error(command: str, jobs: str) -> None:
    """``ingest clean x >&-``: Python starts with no sys.stdout at all."""
    result = subprocess.run(
        [sys.executable, "-m", "ingest", command, "-j", jobs, *SAMPLE_ARGS],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "LC_ALL": "C"},
        preexec_fn=lambda: os.close(1),
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.decode() == "ingest: error: -: standard output is closed\n"


def test_output_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / "corpus.jsonl"
    target.write_text("old\n")
    link = tmp_path / "corpus.jsonl"
    link.symlink_to(target)
    result = run_ingest(["clean", "-q", *SAMPLE_ARGS, "-o", str(link)])
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target
    assert len(parse_jsonl(target.read_bytes())) == len(SAMPLE_FILES[:2])
    assert no_temporary_files(tmp_path)


def test_replaced_output_keeps_its_mode_and_owner(tmp_path: Path) -> None:
    out = tmp_path / "private.jsonl"
    out.write_text("old\n")
    out.chmod(0o600)
    owner = (1234, 5678) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(out, *owner)
    result = run_ingest(["clean", "-q", *SAMPLE_ARGS, "-o", str(out)])
    assert result.returncode == 0, result.stderr
    info = out.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert (info.st_uid, info.st_gid) == owner
    assert len(parse_jsonl(out.read_bytes())) == len(SAMPLE_FILES[:2])


# -- 2. the index is committed after the output, both checked before the work -------------


@ROOT_ONLY
def test_index_is_not_saved_when_the_output_fails(tmp_path: Path) -> None:
    index, stories = tmp_path / "archive.idx", tmp_path / "stories.jsonl"
    stories.write_bytes(many_records(20))
    full = char_device(tmp_path / "full", 7)
    failed = run_ingest(["dedupe", "--index", str(index), str(stories), "-o", str(full)])
    assert failed.returncode == 1
    assert not index.exists()
    retry = run_ingest(["dedupe", "-q", "--index", str(index), str(stories)])
    assert len(parse_jsonl(retry.stdout)) == 20  # nothing dropped as "already in the index"


def test_output_that_is_a_folder_is_found_before_the_work(tmp_path: Path) -> None:
    index, folder = tmp_path / "archive.idx", tmp_path / "out"
    folder.mkdir()
    result = run_ingest(["dedupe", "--index", str(index), str(SAMPLES), "-o", str(folder)])
    assert result.returncode == 1
    assert errors_of(result) == [f"ingest: error: {folder}: is a folder, not a file"]
    assert " in, " not in result.stderr.decode()  # no summary: no work was done
    assert not index.exists()
    for option in ("--index", "--clusters"):
        other = run_ingest(["dedupe", option, str(folder), str(SAMPLES)])
        assert other.returncode == 1 and other.stdout == b""
        assert errors_of(other) == [f"ingest: error: {folder}: is a folder, not a file"]


# -- one run over a folder of hostile inputs (3, 5, 6, 7) ----------------------------------


LONG_TEXT = "".join(f"Sentence number {i} of a long document. " for i in range(3000)).encode()
PARAGRAPH = (
    "Deep inside the page is a sentence about the harbour, which reopened on Monday after"
    " the storm had closed it for a week. Fishermen said the damage was smaller than feared."
)
WIDE_LINES = '{"id": "w", "text": "Grüße aus Genf"}\n{"id": "w", "text": "你好"}\n'
SAME_ID_COUNT = 3000


def deep_folder(root: Path, levels: int) -> Path:
    """Folders nested deeper than a path may be long (PATH_MAX): unreadable even by root."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    return root


def write_huge_record(path: Path) -> None:
    with path.open("wb") as out:
        out.write(b'{"id": "before-huge", "text": "before"}\n{"id": "huge", "text": "')
        chunk = b"x" * (1 << 20)
        for _ in range(66):
            out.write(chunk)
        out.write(b'"}\n{"id": "after-huge", "text": "after"}\n')


def make_hostile_folder(root: Path) -> None:
    root.mkdir()
    (root / "a_good.txt").write_text("A good document.")
    deep_json = [
        '{"id": "a", "text": "before"}',
        '{"id": "deep", "text": "x", "m": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "deep2", "text": "x", "m": ' + "[" * 300 + "]" * 300 + "}",
        '{"id": "b", "text": "after"}',
    ]
    (root / "b_deep.jsonl").write_text("\n".join(deep_json) + "\n")
    deep_html = "<html><body>" + "<div>" * 5000 + f"<p>{PARAGRAPH}</p>" + "</div>" * 5000
    (root / "c_deep.html").write_text(deep_html + "</body></html>")
    (root / "d_feed.xml").write_text(
        '<?xml version="1.0"?><rss><channel><item><title>Harbour reopens</title>'
        f"<description>{PARAGRAPH}</description></item></channel></rss>"
    )
    (root / "d_link.html").write_text("<p>http://example.com/page.html</p>")
    frames = b"".join(zstandard.ZstdCompressor().compress(many_records(5, p)) for p in "xyz")
    (root / "e_frames.jsonl.zst").write_bytes(frames)
    (root / "f_trunc").mkdir()
    for suffix, compress in COMPRESSORS.items():
        cut = len(compress(LONG_TEXT)) // 2
        (root / "f_trunc" / f"doc.txt{suffix}").write_bytes(compress(LONG_TEXT)[:cut])
        (root / "f_trunc" / f"recs.jsonl{suffix}").write_bytes(
            compress(many_records(400, suffix[1:]))[:cut]
        )
    (root / "g_wide").mkdir()
    for codec in ("utf-16", "utf-16-be", "utf-16-le", "utf-32"):
        (root / "g_wide" / f"{codec}.jsonl").write_bytes(WIDE_LINES.encode(codec))
    good = '{"id": "u", "text": "fine"}\n'.encode("utf-16")
    broken = '{"id": "v", "text": "'.encode("utf-16-le") + b"\x00\xd8\x41\x00"
    last = '"}\n{"id": "w", "text": "also fine"}\n'.encode("utf-16-le")
    (root / "g_wide" / "x_broken.jsonl").write_bytes(good + broken + last + b"\x00")  # cut short
    loops = root / "h_loops"
    (loops / "sub").mkdir(parents=True)
    (loops / "sub" / "b.txt").write_text("Second.")
    (loops / "sub" / "up").symlink_to(loops)  # a parent
    (loops / "self").symlink_to(".")  # itself
    (loops / "x").symlink_to("x")  # a link loop of its own
    (root / "i_deep").mkdir()
    deep_folder(root / "i_deep", 20)
    os.mkfifo(root / "j_pipe")
    if os.geteuid() == 0:
        char_device(root / "k_zero", 5)
    (root / ".draft.txt").write_text("A hidden draft.")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main")
    (root / "l_same.jsonl").write_bytes(b'{"id": "same", "text": "t"}\n' * SAME_ID_COUNT)
    (root / "m_nan.jsonl").write_bytes(
        b'{"id": "nan", "text": "t", "score": NaN, "m": {"x": [Infinity, -Infinity, 1e999, 1.5]}}\n'
    )
    write_huge_record(root / "n_huge.jsonl")
    (root / "z_last.txt").write_text("The last document.")


@pytest.fixture(scope="module")
def hostile(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[bytes]]:
    """``ingest clean`` once over the folder of hostile inputs: (folder, finished run)."""
    root = tmp_path_factory.mktemp("hostile") / "pages"
    make_hostile_folder(root)
    return root, run_ingest(["clean", str(root)], timeout=300)


def errors_about(result: subprocess.CompletedProcess[bytes], part: str) -> list[str]:
    return [e for e in errors_of(result) if part in e]


def ids_from(result: subprocess.CompletedProcess[bytes], part: str) -> list[str]:
    return [r["id"] for r in parse_jsonl(result.stdout) if part in r["source"]]


def test_the_hostile_folder_is_read_to_its_end(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    _, result = hostile
    assert result.returncode == 1
    records = parse_jsonl(result.stdout)
    assert records[0]["id"] == "a_good.txt" and records[-1]["id"] == "z_last.txt"
    summary = result.stderr.decode().splitlines()[-1]
    assert summary.startswith(f"ingest clean: {len(records)} in, {len(records)} out, ")
    errors_of(result)  # no traceback, no warning, one line each


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_truncated_archives_of_every_codec_are_errors(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]], suffix: str
) -> None:
    root, result = hostile
    document, records = (
        errors_about(result, f"/f_trunc/doc.txt{suffix}"),
        errors_about(result, f"/f_trunc/recs.jsonl{suffix}"),
    )
    assert document == [
        f"ingest: error: {root}/f_trunc/doc.txt{suffix}: compressed data is truncated"
    ]
    assert len(records) == 1 and "truncated" in records[0]
    assert ids_from(result, f"doc.txt{suffix}") == []  # not half a document
    assert all(i.startswith(suffix[1:]) for i in ids_from(result, f"recs.jsonl{suffix}"))


def test_zstd_of_several_frames_is_read_whole(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    _, result = hostile
    assert len(ids_from(result, "e_frames.jsonl.zst")) == 15


def test_deep_json_is_one_error_and_the_rest_is_read(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    root, result = hostile
    assert errors_about(result, "b_deep.jsonl") == [
        f"ingest: error: {root}/b_deep.jsonl:{n}: malformed JSONL record: nested deeper than 200 levels"
        for n in (2, 3)
    ]
    assert ids_from(result, "b_deep.jsonl") == ["a", "b"]


def test_deep_html_and_xml_are_cleaned_without_a_warning(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    _, result = hostile
    texts = {r["id"]: r["text"] for r in parse_jsonl(result.stdout)}
    assert "Deep inside the page" in texts["c_deep.html"]
    assert "d_feed.xml" in texts
    assert "d_link.html" in texts
    assert b"Warning" not in result.stderr


def test_folder_links_that_loop_are_read_once(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    root, result = hostile
    loops = root / "h_loops"
    assert errors_about(result, "/h_loops/") == [
        f"ingest: error: {loops}/self: the same folder as {loops} (a link): not read twice",
        f"ingest: error: {loops}/sub/up: the same folder as {loops} (a link): not read twice",
        f"ingest: error: {loops}/x: too many levels of symbolic links",
    ]
    assert ids_from(result, "/h_loops/") == ["h_loops/sub/b.txt"]


def test_an_unreadable_subfolder_is_reported_and_the_rest_read(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    _, result = hostile
    (error,) = errors_about(result, "/i_deep/")
    assert error.endswith(": cannot read this folder: file name too long")


def test_fifos_devices_and_hidden_files_in_a_folder_are_skipped_and_said_so(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    _, result = hostile
    specials = 2 if os.geteuid() == 0 else 1
    summary = result.stderr.decode().splitlines()[-1]
    assert (
        f"2 hidden (--hidden reads them) and {specials} FIFOs or devices skipped in folders"
        in summary
    )
    assert not [
        r for r in parse_jsonl(result.stdout) if "pipe" in r["id"] or r["id"].startswith(".")
    ]


def test_utf16_and_utf32_jsonl_are_decoded(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    root, result = hostile
    records = [r for r in parse_jsonl(result.stdout) if "/g_wide/" in r["source"]]
    texts = [r["text"] for r in records]
    assert texts == ["Grüße aus Genf", "你好"] * 4 + ["fine", "also fine"]
    assert errors_about(result, "/g_wide/") == [
        f"ingest: error: {root}/g_wide/x_broken.jsonl:2: line is not valid utf-16",
        f"ingest: error: {root}/g_wide/x_broken.jsonl:4: line is not valid utf-16",
    ]


def test_one_id_repeated_thousands_of_times(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    root, result = hostile
    ids = ids_from(result, "l_same.jsonl")
    path = root / "l_same.jsonl"
    assert len(set(ids)) == SAME_ID_COUNT
    assert ids[:3] == ["same", str(path), f"{path}~2"] and ids[-1] == f"{path}~{SAME_ID_COUNT - 1}"


def test_nan_and_infinity_are_written_as_null(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    _, result = hostile

    def reject(name: str) -> None:
        raise ValueError(f"bare {name} written")

    records = [json.loads(line, parse_constant=reject) for line in result.stdout.splitlines()]
    (record,) = [r for r in records if r["id"] == "nan"]
    assert record["metadata"]["score"] is None
    assert record["metadata"]["m"] == {"x": [None, None, None, 1.5]}


def test_a_huge_jsonl_record_is_skipped(
    hostile: tuple[Path, subprocess.CompletedProcess[bytes]],
) -> None:
    root, result = hostile
    assert errors_about(result, "n_huge") == [
        f"ingest: error: {root}/n_huge.jsonl:2: record larger than 64 MiB: skipped"
    ]
    assert ids_from(result, "n_huge") == ["before-huge", "after-huge"]


def corrupt_gzip(records: bytes) -> bytes:
    """A gzip stream of ``records`` with bytes changed near its end: decoded, it gives
    records before the damage is found."""
    data = bytearray(gzip.compress(records))
    for offset in range(len(data) * 9 // 10, len(data) * 9 // 10 + 8):
        data[offset] ^= 0x55
    return bytes(data)


def test_a_gzip_corrupt_mid_stream_names_the_records_and_keeps_the_old_output(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "dump.jsonl.gz"
    archive.write_bytes(corrupt_gzip(many_records(3000)))
    out = tmp_path / "corpus.jsonl"
    out.write_text("the old corpus\n")
    result = run_ingest(["clean", str(archive), str(SAMPLES), "-o", str(out)])
    assert result.returncode == 1
    errors = errors_of(result)
    assert errors[0].startswith(f"ingest: error: {archive}: ")
    assert errors[0].endswith("may be damaged") and "records read before it (lines 1-" in errors[0]
    assert errors[1] == (
        f"ingest: error: records of a damaged input may be wrong: {out} left as before"
    )
    assert out.read_text() == "the old corpus\n"
    assert no_temporary_files(tmp_path)


# -- 4. a run whose every input failed keeps the old output -------------------------------


def test_a_run_whose_every_input_failed_keeps_the_old_output(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl.gz"
    out.write_bytes(gzip.compress(b'{"id": "old", "text": "the old corpus"}\n'))
    before = out.read_bytes()
    result = run_ingest(["run", str(tmp_path / "pages"), "-o", str(out)])
    assert result.returncode == 1
    assert errors_of(result) == [
        f"ingest: error: {tmp_path / 'pages'}: no such file or directory",
        f"ingest: error: no input could be read: {out} left as before",
    ]
    assert out.read_bytes() == before
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    fresh = tmp_path / "new.jsonl"
    binary = run_ingest(["clean", str(tmp_path / "image.png"), "-o", str(fresh)])
    assert binary.returncode == 1
    assert not fresh.exists() and no_temporary_files(tmp_path)


def test_a_run_with_one_good_input_replaces_the_output(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    out.write_text("old\n")
    result = invoke(
        ["clean", "-q", str(tmp_path / "missing"), str(SAMPLE_FILES[0]), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert [r["id"] for r in parse_jsonl(out.read_bytes())] == [SAMPLE_FILES[0].name]


# -- 5. one bad input never aborts the run -----------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_a_folder_without_read_permission_is_reported(tmp_path: Path) -> None:
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed").chmod(0)
    (tmp_path / "open.txt").write_text("Readable.")
    result = run_ingest(["clean", str(tmp_path)])
    (tmp_path / "closed").chmod(0o700)
    assert errors_of(result) == [
        f"ingest: error: {tmp_path}/closed: cannot read this folder: permission denied"
    ]
    assert [r["id"] for r in parse_jsonl(result.stdout)] == ["open.txt"]


def test_repeated_lines_with_malformed_items(tmp_path: Path) -> None:
    footer = "Copyright Example News, all rights reserved."
    bad_items: list[object] = [
        "zz",
        [{"title": 3}],
        [{"title": "Story", "start": "x", "end": None}],
        [None, 5, {"start": 0}],
        {"title": "a"},
    ]
    records = [
        {
            "id": f"p{i}",
            "text": f"Story {i} is here.\n{footer}",
            "items": items,
            "url": "http://a.example/",
        }
        for i, items in enumerate(bad_items)
    ]
    (tmp_path / "pages.jsonl").write_bytes(jsonl(*records))
    result = run_ingest(["clean", "--repeated-lines", "2", str(tmp_path / "pages.jsonl")])
    assert result.returncode == 0, result.stderr
    out = parse_jsonl(result.stdout)
    assert [r["id"] for r in out] == [f"p{i}" for i in range(len(bad_items))]
    assert all(footer not in r["text"] and r["metadata"]["items"] == [] for r in out)


# -- 6. hangs and blow-ups --------------------------------------------------------------


def test_a_named_fifo_is_read_and_its_content_decides_its_kind(tmp_path: Path) -> None:
    fifo = tmp_path / "feed"
    os.mkfifo(fifo)
    payload = gzip.compress(jsonl({"id": "x", "text": "through a FIFO"}))
    writer = threading.Thread(target=lambda: fifo.write_bytes(payload))
    writer.start()
    result = run_ingest(["clean", "-q", str(fifo)], timeout=60)
    writer.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert [(r["id"], r["text"]) for r in parse_jsonl(result.stdout)] == [("x", "through a FIFO")]


def test_process_substitution_and_dev_stdin_holding_jsonl(tmp_path: Path) -> None:
    archive = tmp_path / "x.jsonl.gz"
    archive.write_bytes(
        gzip.compress(jsonl({"id": "a", "text": "one"}, {"id": "b", "text": "two"}))
    )
    shell = f"{sys.executable} -m ingest clean -q <(zcat {archive})"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in parse_jsonl(result.stdout)] == ["a", "b"]
    piped = run_ingest(["clean", "-q", "/dev/stdin"], input=gzip.decompress(archive.read_bytes()))
    assert [r["id"] for r in parse_jsonl(piped.stdout)] == ["a", "b"]


def test_num_perm_has_an_upper_bound() -> None:
    result = run_ingest(["dedupe", "--num-perm", "100000000"], input=b"")
    assert result.returncode == 2
    assert b"--num-perm" in result.stderr and b"16<=x<=1024" in result.stderr


# -- 7. signals, odd JSON, indexes, split, UTF-16, warnings, hidden files ------------------


def start_reading_stdin(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """``ingest ARGS`` reading stdin, once it has opened its temporary output in ``cwd``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(b'{"text": "a record"}\n' * 1000)
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and temporary_output_size(process.pid, cwd) is None:
        time.sleep(0.05)
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_remove_the_temporary_file(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    process = start_reading_stdin(["clean", "-", "-o", str(out)], tmp_path)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signum
    assert stderr.decode().strip() == f"ingest: terminated by {signal.Signals(signum).name}"
    assert out.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def shape(value: object) -> object:
    if isinstance(value, dict):
        return tuple((k, shape(v)) for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ("list", *sorted({repr(shape(v)) for v in value}))
    return type(value).__name__


def test_metadata_of_the_wrong_type_keeps_one_schema(tmp_path: Path) -> None:
    good = {"id": "good", "text": "A story about the harbour.", "title": "Harbour", "part": 2}
    wrong = {
        "id": "wrong",
        "text": "A story about the river.",
        "title": 5,
        "date": ["2023"],
        "part": "3",
        "replaced_bytes": "many",
        "encoding_confidence": True,
        "repairs": "none",
        "items": "zz",
        "removed": [{"rule": 1}],
        "role": None,
    }
    (tmp_path / "in.jsonl").write_bytes(jsonl(good, wrong))
    result = run_ingest(["run", "-q", "--mark", "--explain", str(tmp_path / "in.jsonl")])
    assert result.returncode == 0, result.stderr
    records = parse_jsonl(result.stdout)
    assert len(records) == 2
    assert shape(records[0]) == shape(records[1])
    assert records[1]["metadata"]["title"] == "5"


def test_keys_a_later_stage_writes_keep_their_type_through_the_earlier_ones(
    tmp_path: Path,
) -> None:
    # clean and split pass dedupe's key on, and clean's own keys come back in a second run:
    # of another type, they are converted or made empty, as the keys each stage writes
    good = {"id": "good", "text": "A story about the harbour, told at length today."}
    wrong = {
        "id": "wrong",
        "text": "A story about the river, told at length today.",
        "dedupe": "kept",
        "feed": 5,
        "crawl_date": ["2024"],
        "empty_reason": {"why": 1},
        "role": {"a": 1},
    }
    (tmp_path / "in.jsonl").write_bytes(jsonl(good, wrong))
    for command in ("clean", "split"):
        result = run_ingest([command, "-q", str(tmp_path / "in.jsonl")])
        assert result.returncode == 0, result.stderr
        records = parse_jsonl(result.stdout)
        metadata = records[1]["metadata"]
        assert metadata["dedupe"] == {} and metadata.get("feed", "5") == "5", command
        assert metadata.get("crawl_date", "") == ""
        # empty_reason is a string on what clean wrote, and null (nothing known) on others
        assert metadata["empty_reason"] == ("" if command == "clean" else None)
    assert metadata["role"] == "document"  # split's role of a whole document, as for good's
    assert records[0]["metadata"]["role"] == "document"


def test_a_damaged_index_is_one_line_without_pickle_advice(tmp_path: Path) -> None:
    index = tmp_path / "archive.idx"
    (tmp_path / "stories.jsonl").write_bytes(many_records(200))
    built = run_ingest(["dedupe", "-q", "--index", str(index), str(tmp_path / "stories.jsonl")])
    assert built.returncode == 0, built.stderr
    data = bytearray(index.read_bytes())
    for offset in range(len(data) // 3, len(data) // 3 + 64):
        data[offset] ^= 0xFF  # inside a compressed member
    index.write_bytes(bytes(data))
    damaged = run_ingest(["dedupe", "--index", str(index), str(SAMPLES)])
    assert damaged.returncode == 1
    (error,) = errors_of(damaged)
    assert error.startswith(f"ingest: error: {index}: not a readable dedupe index (damaged: ")
    index.write_bytes(os.urandom(4096))
    random = run_ingest(["dedupe", "--index", str(index), str(SAMPLES)])
    assert errors_of(random) == [
        f"ingest: error: {index}: not a readable dedupe index (not a file --index wrote)"
    ]
    assert b"pickle" not in random.stderr


def test_two_runs_on_one_index_keep_both_runs_entries(tmp_path: Path) -> None:
    index = tmp_path / "archive.idx"
    (tmp_path / "b.jsonl").write_bytes(many_records(30, "b"))
    first = subprocess.Popen(
        [sys.executable, "-m", "ingest", "dedupe", "-q", "--index", str(index), "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert first.stdin is not None
    first.stdin.write(many_records(30, "a"))
    first.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (tmp_path / "archive.idx.lock").exists():
        time.sleep(0.05)  # the first run holds the lock, reading stdin
    second = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingest",
            "dedupe",
            "-q",
            "--index",
            str(index),
            str(tmp_path / "b.jsonl"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert second.stderr is not None
    waiting: list[bytes] = []
    reader = threading.Thread(target=lambda: waiting.append(second.stderr.readline()))
    reader.start()
    reader.join(timeout=60)  # the second run says it waits, and does
    assert waiting == [f"ingest: waiting: another run is using {index}\n".encode()]
    assert second.poll() is None
    first.stdin.close()
    assert first.wait(timeout=60) == 0
    second.communicate(timeout=60)
    assert second.returncode == 0
    both = many_records(30, "a") + many_records(30, "b")
    again = run_ingest(["dedupe", "--index", str(index), "-"], input=both)
    assert again.stdout == b""
    assert "(60 of them already in the index)" in again.stderr.decode()


def test_split_never_writes_text_twice_on_malformed_offsets(tmp_path: Path) -> None:
    text = "Intro line.\nFirst title\nFirst teaser text.\nSecond title\nSecond teaser text."
    first, second = text.index("First title"), text.index("Second title")
    cases = [
        [
            {"title": "Second title", "start": second, "end": 0},
            {"title": "First title", "start": first, "end": 0},
        ],
        [
            {"title": "First title", "start": first, "end": 0},
            {"title": "First title", "start": first, "end": 0},
        ],
        [
            {"title": "First title", "start": first - len(text), "end": 0},
            {"title": "Second title", "start": second, "end": 0},
        ],
        [{"title": "", "start": 3, "end": 0}, {"title": "", "start": 5, "end": 0}],
    ]
    records = [{"id": f"p{n}", "text": text, "items": items} for n, items in enumerate(cases)]
    (tmp_path / "pages.jsonl").write_bytes(jsonl(*records))
    result = run_ingest(["split", "-q", str(tmp_path / "pages.jsonl")])
    assert result.returncode == 0, result.stderr
    by_page: dict[str, int] = {}
    for record in parse_jsonl(result.stdout):
        page = record["metadata"]["parent_id"] or record["id"]
        by_page[page] = (
            by_page.get(page, 0)
            + len(record["text"])
            + len(record["metadata"].get("title", "") or "")
        )
    assert all(total <= len(text) for total in by_page.values()), by_page


def test_hidden_files_are_read_with_hidden(tmp_path: Path) -> None:
    (tmp_path / ".draft.txt").write_text("A hidden draft.")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main")
    (tmp_path / "page.txt").write_text("A page.")
    result = run_ingest(["clean", "--hidden", str(tmp_path)])
    ids = [r["id"] for r in parse_jsonl(result.stdout)]
    assert ids == [".draft.txt", ".git/HEAD", "page.txt"]
    assert "hidden" not in result.stderr.decode()


# -- SIGKILL at any point -------------------------------------------------------------------


def temporary_with_data(folder: Path, pid: int) -> bool:
    return bool(temporary_output_size(pid, folder))


def index_changed(work: Path, old_index: Path) -> bool:
    return (work / "archive.idx").read_bytes() != old_index.read_bytes()


def after(seconds: float) -> Callable[[], bool]:
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() > deadline


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    """SIGKILL ``process`` as soon as ``ready()`` (or when it has ended anyway)."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError):  # a temporary file renamed meanwhile
            if ready():
                break
        time.sleep(0.001)
    process.kill()
    process.wait(timeout=30)


def test_sigkill_at_any_point_leaves_the_old_output_and_index(tmp_path: Path) -> None:
    """Killed while starting, reading, deduplicating, writing or saving, a run leaves the old
    output and index, or (once past the commit) the new output, then the new index: never the
    new index with the old output, which would drop the records on a retry."""
    stories, seed = tmp_path / "stories.jsonl", tmp_path / "seed.jsonl"
    stories.write_bytes(many_records(2000))
    seed.write_bytes(many_records(50, "seed"))
    old_out, old_index = tmp_path / "old.jsonl", tmp_path / "old.idx"
    first = ["dedupe", "-q", "--index", str(old_index), str(seed), "-o", str(old_out)]
    assert run_ingest(first).returncode == 0
    new_out, new_index = tmp_path / "new.jsonl", tmp_path / "new.idx"
    new_index.write_bytes(old_index.read_bytes())
    started = time.monotonic()
    full = run_ingest(["dedupe", "-q", "--index", str(new_index), str(stories), "-o", str(new_out)])
    assert full.returncode == 0, full.stderr
    duration = time.monotonic() - started
    # Each moment, given the run's folder when the run starts
    # (and the run's process id) says when to kill it.
    moments: list[tuple[str, Callable[[Path, int], Callable[[], bool]]]] = [
        ("while starting", lambda work, pid: lambda: True),
        ("while writing", lambda work, pid: lambda: temporary_with_data(work, pid)),
        # as soon as the index is saved: the output must have been committed before it
        ("after the index", lambda work, pid: lambda: index_changed(work, old_index)),
        *((f"at {f:.0%}", lambda work, pid, f=f: after(duration * f)) for f in (0.5, 0.8, 0.95)),
    ]
    states = {}
    for name, moment in moments:
        work = tmp_path / name.replace(" ", "-").replace("%", "")
        work.mkdir()
        out, index = work / "out.jsonl", work / "archive.idx"
        out.write_bytes(old_out.read_bytes())
        index.write_bytes(old_index.read_bytes())
        command = ["dedupe", "-q", "--index", str(index), str(stories), "-o", str(out)]
        process = subprocess.Popen(
            [sys.executable, "-m", "ingest", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        kill_when(process, moment(work, process.pid))
        output_state = "new" if out.read_bytes() == new_out.read_bytes() else "old"
        index_state = "new" if index.read_bytes() == new_index.read_bytes() else "old"
        if output_state == "old":
            assert out.read_bytes() == old_out.read_bytes(), name
        if index_state == "old":
            assert index.read_bytes() == old_index.read_bytes(), name
        assert (output_state, index_state) != ("old", "new"), name
        states[name] = (output_state, index_state)
    assert states["while starting"] == ("old", "old")
    assert states["while writing"] == ("old", "old"), "killed with half the output written"


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="needs Linux's unnamed files")
@pytest.mark.parametrize("stage", ["clean", "split", "dedupe", "run"])
def test_sigkill_while_writing_leaves_nothing_beside_the_old_output(
    tmp_path: Path, stage: str
) -> None:
    """kill -9 (the OOM killer) cannot be caught: the output is written in an unnamed file,
    so nothing is left to clean up, whichever command was writing."""
    stories, out = tmp_path / "stories.jsonl", tmp_path / "out.jsonl"
    stories.write_bytes(many_records(20000))
    out.write_text("old\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", stage, "-q", str(stories), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_when(process, lambda: temporary_with_data(tmp_path, process.pid))
    assert process.returncode == -signal.SIGKILL, "the run ended before it was killed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "stories.jsonl"]
    assert out.read_text() == "old\n"


def _children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _alive(pid: int) -> bool:
    try:  # a zombie is dead: its parent (init here) has yet to reap it
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
def test_workers_end_when_the_main_process_is_killed(tmp_path: Path) -> None:
    """A SIGKILLed run (kill -9, the OOM killer) leaves no worker behind waiting forever."""
    stories = tmp_path / "stories.jsonl"
    stories.write_bytes(many_records(20000))
    command = ["dedupe", "-q", "-j", "2", str(stories), "-o", str(tmp_path / "out.jsonl")]
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers |= _children(process.pid)
        time.sleep(0.01)
    assert workers, "the run ended before its workers were seen"
    process.kill()
    process.wait()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("stage", ["clean", "dedupe"])
def test_a_killed_worker_ends_the_run_with_one_line_and_no_output(
    tmp_path: Path, stage: str
) -> None:
    """A worker killed by the system (the OOM killer, kill -9) is not a bug to report: one
    line that says what happened, exit 1, and no output file."""
    stories, out = tmp_path / "stories.jsonl", tmp_path / "out.jsonl"
    stories.write_bytes(many_records(20000))
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest", stage, "-q", "-j", "2", str(stories), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while not workers and process.poll() is None and time.monotonic() < deadline:
        workers = _children(process.pid)
        time.sleep(0.005)
    assert workers, "the run ended before its workers were seen"
    os.kill(min(workers), signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.decode().splitlines() == [f"ingest: error: {WORKER_LOST}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stories.jsonl"]


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_cut_compressed_jsonl_keeps_as_many_records_from_stdin_as_from_a_file(
    tmp_path: Path, suffix: str
) -> None:
    # every whole line before the cut is a record, wherever the input comes from: a
    # decompressor's read(n) gathered n bytes over several reads, and the cut in a later one
    # lost the lines the earlier ones had given (31 of 37 from stdin)
    # 2.4 MB: several blocks of every codec (bzip2's are 900 KB), so that a cut keeps some
    words = [f"w{n * 7919 % 10007}" for n in range(20000)]
    lines = [
        json.dumps({"id": f"r{n}", "text": " ".join(words[n % 19000 : n % 19000 + 60])})
        for n in range(6000)
    ]
    packed = COMPRESSORS[suffix](("\n".join(lines) + "\n").encode())
    for cut in (len(packed) // 2, len(packed) * 3 // 4):
        path = tmp_path / f"cut{cut}.jsonl{suffix}"
        path.write_bytes(packed[:cut])
        from_file = run_ingest(["clean", "-q", str(path)])
        from_stdin = run_ingest(["clean", "-q"], input=packed[:cut])
        assert from_file.returncode == from_stdin.returncode == 1
        kept = [r["id"] for r in parse_jsonl(from_file.stdout)]
        assert [r["id"] for r in parse_jsonl(from_stdin.stdout)] == kept
        assert kept == [f"r{n}" for n in range(len(kept))] and len(kept) > 50
