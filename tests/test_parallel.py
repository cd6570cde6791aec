"""``-j/--jobs``: the same output for any number of workers, in input order."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import multiprocessing
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard

from ingest import CleanConfig, Record, SplitConfig, clean_records, read_records, split_records
from ingest.clean import clean_encoded
from ingest.errors import InputError
from ingest.io import InputReport, encode_line, raise_error
from ingest.io.inputs import RawDocument, WorkResult, in_input_order, read_deferred
from ingest.parallel import DEFAULT_CHUNK_SIZE, default_jobs, map_chunks, parallel_map, workers
from ingest.split import clean_split_records

from .conftest import ROOT, SAMPLE_FILES, invoke, parse_jsonl, run_ingest

HTML_FILES = sorted((ROOT / "tests" / "data" / "html").glob("*.html"))
ENCODINGS = ("utf-8", "cp1252", "utf-16", "gb18030")


def mixed_corpus(folder: Path) -> Path:
    """Samples in four encodings, HTML pages and a JSONL file: many chunks of mixed work."""
    folder.mkdir()
    for variant in range(3):
        for sample in SAMPLE_FILES:
            text = sample.read_text(encoding="utf-8") + f"\n\nEdition {variant}."
            for encoding in ENCODINGS:
                data = text.encode(encoding, errors="replace")
                (folder / f"{sample.stem}-{variant}-{encoding}.txt").write_bytes(data)
        for page in HTML_FILES:
            shutil.copy(page, folder / f"{page.stem}-{variant}.html")
    lines = [
        {"id": f"j{n}", "text": f"Line {n}: the council met again.", "score": n / 3}
        for n in range(40)
    ]
    text = "\n".join(json.dumps(line) for line in lines)
    (folder / "records.jsonl").write_text(text + '\n{"id": "nan", "text": "x", "v": NaN}\n')
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed_corpus(tmp_path_factory.mktemp("parallel") / "corpus")


def test_the_corpus_needs_several_chunks(corpus: Path) -> None:
    assert len(list(corpus.iterdir())) > 4 * DEFAULT_CHUNK_SIZE


@pytest.mark.parametrize(
    "command",
    [["clean"], ["run"], ["run", "--repeated-lines", "3", "--mark"]],
    ids=["clean", "run", "run-repeated-lines"],
)
def test_one_and_two_workers_write_the_same_bytes(corpus: Path, command: list[str]) -> None:
    one = run_ingest([*command, "-j", "1", "-q", str(corpus)])
    two = run_ingest([*command, "-j", "2", "-q", str(corpus)])
    assert one.returncode == two.returncode == 0, two.stderr
    assert one.stdout == two.stdout
    assert len(parse_jsonl(one.stdout)) > 4 * DEFAULT_CHUNK_SIZE


def test_split_with_workers_keeps_the_order_of_stories(corpus: Path) -> None:
    cleaned = invoke(["clean", "-j", "1", "-q", str(corpus)]).stdout
    one = invoke(["split", "-j", "1", "-q"], input=cleaned)
    two = invoke(["split", "--jobs", "2", "-q"], input=cleaned)
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout
    ids = [r["id"] for r in parse_jsonl(two.stdout)]
    assert any("#" in i for i in ids)  # the listing pages were cut into stories


def test_jobs_must_be_positive() -> None:
    result = invoke(["clean", "-j", "0", "-"], input="text")
    assert result.exit_code == 2
    assert "-j" in result.stderr


def test_the_default_is_every_core_this_process_may_use() -> None:
    assert default_jobs() == len(os.sched_getaffinity(0))
    assert "(all cores)" in " ".join(invoke(["clean", "--help"]).stdout.split())


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def _sum_chunk(chunk: list[int]) -> int:
    return sum(chunk)


def _fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n


def test_parallel_map_keeps_input_order_and_uses_workers() -> None:
    results = list(parallel_map(_pid_and_square, range(200), jobs=2, chunk_size=3))
    assert [square for _, square in results] == [n * n for n in range(200)]
    assert os.getpid() not in {pid for pid, _ in results}


def test_one_job_runs_in_this_process_lazily() -> None:
    results = parallel_map(_pid_and_square, iter(range(5)), jobs=1)
    assert next(results) == (os.getpid(), 0)
    assert list(results) == [(os.getpid(), n * n) for n in range(1, 5)]


def test_a_single_chunk_starts_no_workers() -> None:
    results = list(parallel_map(_pid_and_square, range(5), jobs=2, chunk_size=16))
    assert {pid for pid, _ in results} == {os.getpid()}


def test_map_chunks_gives_one_result_per_chunk_in_order() -> None:
    for jobs in (1, 2):
        assert list(map_chunks(_sum_chunk, range(10), jobs, chunk_size=4)) == [6, 22, 17]
    with pytest.raises(ValueError, match="chunk_size"):
        list(map_chunks(_sum_chunk, range(3), 2, chunk_size=0))


def test_a_workers_block_makes_one_pool_for_all_its_calls() -> None:
    """Dedupe's passes share one pool, forked by the first while the process is small."""
    with workers(2):
        first = list(parallel_map(_pid_and_square, range(100), jobs=2, chunk_size=3))
        # A failed pass drops its pending work and leaves the pool to the next one.
        failing = parallel_map(_fail_on_seven, range(100), jobs=2, chunk_size=2)
        with pytest.raises(ValueError, match="seven"):
            list(failing)
        # Once made, the pool also takes a pass of a single chunk.
        second = list(parallel_map(_pid_and_square, range(200), jobs=2, chunk_size=3))
        small = list(parallel_map(_pid_and_square, range(3), jobs=2, chunk_size=16))
    assert [square for _, square in second] == [n * n for n in range(200)]
    pids = {pid for pid, _ in [*first, *second, *small]}
    assert os.getpid() not in pids and len(pids) <= 2  # the same two workers throughout
    # Outside the block, a call makes (and shuts down) a pool of its own.
    after = {pid for pid, _ in parallel_map(_pid_and_square, range(100), jobs=2, chunk_size=3)}
    assert not after & pids


def test_a_workers_block_is_only_its_own_threads() -> None:
    """Another thread's calls make their own pool: the block's is shut down when the block
    ends, while that thread may still be submitting to it."""
    submitting, block_ended = threading.Event(), threading.Event()
    results: list[object] = []

    def items() -> Iterator[int]:
        yield from range(8)
        submitting.set()
        block_ended.wait(60)
        yield from range(8, 100)

    def other_thread() -> None:
        try:
            results.extend(map_chunks(_sum_chunk, items(), jobs=2, chunk_size=2))
        except Exception as error:  # kept for the assertion below to show
            results.append(error)

    with workers(2):
        assert list(map_chunks(_sum_chunk, range(10), jobs=2, chunk_size=2)) == [1, 5, 9, 13, 17]
        thread = threading.Thread(target=other_thread)
        thread.start()
        submitting.wait(60)
    block_ended.set()
    thread.join(120)
    assert results == [n + n + 1 for n in range(0, 100, 2)]


def test_a_workers_block_may_end_in_another_thread() -> None:
    """A generator that holds a block, started in one thread and closed in another (or
    collected there), still ends its block and shuts its workers down."""
    before = set(multiprocessing.active_children())

    def holding_a_block() -> Iterator[int]:
        with workers(2):
            yield from map_chunks(_sum_chunk, range(10_000), jobs=2, chunk_size=1)

    started = holding_a_block()
    first = threading.Thread(target=lambda: next(started))
    first.start()
    first.join(60)
    assert set(multiprocessing.active_children()) - before  # the block's workers run
    errors: list[BaseException] = []

    def close_it() -> None:
        try:
            started.close()
        except BaseException as error:  # kept for the assertion below to show
            errors.append(error)

    second = threading.Thread(target=close_it)
    second.start()
    second.join(60)
    assert errors == []
    assert not set(multiprocessing.active_children()) - before


def test_an_error_in_a_worker_reaches_the_caller() -> None:
    results = parallel_map(_fail_on_seven, range(100), jobs=2, chunk_size=2)
    # Up to the chunk that failed ([6, 7]); then the error, as in one process.
    assert [next(results) for _ in range(6)] == list(range(6))
    with pytest.raises(ValueError, match="seven"):
        next(results)


def test_stopping_early_shuts_the_workers_down() -> None:
    before = set(multiprocessing.active_children())
    results = map_chunks(_sum_chunk, range(10_000), jobs=2, chunk_size=1)
    assert next(results) == 0
    assert set(multiprocessing.active_children()) - before  # the workers are running
    results.close()  # as when the reader (head) stops: no hang, no stray workers
    assert not set(multiprocessing.active_children()) - before


def test_library_stages_take_jobs() -> None:
    pages = [
        Record(id=p.name, text=p.read_text(), metadata={"content_type": "html"}) for p in HTML_FILES
    ]
    texts = [
        Record(id=f"t{n}", text=f"Title {n}\n\nA story about the council, part {n}.")
        for n in range(60)
    ]

    def run(jobs: int) -> list[dict]:
        cleaned = list(clean_records([*_copy(pages), *_copy(texts)], CleanConfig(), jobs=jobs))
        stories = list(split_records(_copy(cleaned), SplitConfig(), jobs=jobs))
        both = list(
            clean_split_records([*_copy(pages), *_copy(texts)], CleanConfig(), SplitConfig(), jobs)
        )
        assert [r.to_dict() for r in both] == [r.to_dict() for r in stories]
        return [r.to_dict() for r in stories]

    assert run(1) == run(2)


def _copy(records: list[Record]) -> list[Record]:
    """Stages change records in place: each run gets its own."""
    return [Record(r.id, r.text, r.source, json.loads(json.dumps(r.metadata))) for r in records]


def test_importing_the_cli_does_not_load_the_stages_libraries() -> None:
    code = (
        "import sys, ingest, ingest.cli; "
        "print(sorted(m for m in ('trafilatura', 'bs4', 'ftfy') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    assert result.stdout.strip() == b"[]"


def test_plain_text_loads_neither_the_archive_reader_nor_trafilatura(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "a", "text": "A story.\\n\\nBy Ann Lee"}\n')
    code = (
        "import sys; from ingest import clean_records, read_records; "
        f"records = list(clean_records(read_records([{str(tmp_path / 'a.jsonl')!r}]))); "
        "print(len(records), [m for m in ('warcio', 'trafilatura') if m in sys.modules])"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True)
    assert result.stdout.split() == [b"1", b"[]"]


def test_library_names_still_import_from_the_package() -> None:
    import ingest

    assert ingest.clean_records is clean_records
    assert "dedupe_records" in dir(ingest)
    with pytest.raises(AttributeError):
        ingest.no_such_name  # noqa: B018


def test_terminating_signals_wait_while_a_worker_is_made() -> None:
    """A SIGTERM handled inside the fork's hooks is dropped by Python: it must wait."""
    import signal

    from ingest.parallel import _interrupts_held

    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with _interrupts_held():
        held = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} <= held
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


# -- clean's workers read the files and encode the lines (#13) -----------------------------


def awkward_corpus(folder: Path) -> Path:
    """Good files between bad ones, and ids that repeat across inputs: the errors must come
    in input order, and the renamed ids be the ones one process gives."""
    corpus = mixed_corpus(folder)
    (corpus / "b_image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    packed = gzip.compress("".join(f"Sentence {n} of a story. " for n in range(3000)).encode())
    (corpus / "c_cut.txt.gz").write_bytes(packed[: len(packed) // 2])
    (corpus / "d_dangling.txt").symlink_to(corpus / "nowhere.txt")
    (corpus / "e_bad.jsonl").write_text('{"id": "x", "text": "ok"}\nnot json\n[1]\n')
    (corpus / "sub").mkdir()
    (corpus / "sub" / "records.jsonl").write_text('{"id": "records.jsonl", "text": "again"}\n')
    (corpus / "sub" / "001_9deb5f9e748d8588-0-utf-8.txt").write_text("Same name, other folder.")
    return corpus


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return awkward_corpus(tmp_path_factory.mktemp("awkward") / "corpus")


def test_errors_found_by_workers_are_reported_as_by_one_process(awkward: Path) -> None:
    arguments = ["clean", str(awkward), str(awkward / "sub"), str(awkward / "missing")]
    one = run_ingest([*arguments, "-j", "1"])
    two = run_ingest([*arguments, "-j", "2"])
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    errors = [line for line in two.stderr.decode().splitlines() if "error:" in line]
    assert errors == [
        f"ingest: error: {awkward}/b_image.png: binary data, not a text document",
        f"ingest: error: {awkward}/c_cut.txt.gz: compressed data is truncated",
        f"ingest: error: {awkward}/d_dangling.txt: no such file or directory",
        f"ingest: error: {awkward}/e_bad.jsonl:2: malformed JSONL record: "
        "Expecting value: line 1 column 1 (char 0)",
        f"ingest: error: {awkward}/e_bad.jsonl:3: malformed JSONL record: expected a JSON object",
        f"ingest: error: {awkward}/missing: no such file or directory",
    ]
    assert _without_time(one.stderr) == _without_time(two.stderr)
    ids = [r["id"] for r in parse_jsonl(two.stdout)]
    assert len(ids) == len(set(ids))
    # Read twice (in the folder, then as an argument): the second time under their path.
    assert ids.count("records.jsonl") == ids.count("001_9deb5f9e748d8588-0-utf-8.txt") == 1
    assert {
        f"{awkward}/sub/records.jsonl",
        f"{awkward}/sub/001_9deb5f9e748d8588-0-utf-8.txt",
    } <= set(ids)


def _without_time(stderr: bytes) -> str:
    return re.sub(r" in [0-9.]+s$", "", stderr.decode().strip())


def test_the_workers_write_what_the_library_writes(awkward: Path) -> None:
    """The CLI's lines (read, cleaned and encoded by workers) are the bytes that the
    library's ``read_records`` -> ``clean_records`` -> ``encode_line`` give in one process."""
    skipped: list[InputError] = []
    records = read_records([str(awkward), str(awkward / "sub")], on_error=skipped.append)
    expected = b"".join(encode_line(r) for r in clean_records(records, CleanConfig()))
    for jobs in ("1", "2"):
        result = run_ingest(["clean", "-q", "-j", jobs, str(awkward), str(awkward / "sub")])
        assert result.stdout == expected
    assert len(skipped) == 5


def test_drop_empty_and_explain_are_the_same_through_the_workers(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(40):
        text = "Home > News > World\n\n" + (f"Story {n}: the council met." if n % 3 else "")
        (folder / f"{n:02d}.txt").write_text(text)
    outputs = {
        jobs: run_ingest(["clean", "--drop-empty", "--explain", "-j", jobs, str(folder)])
        for jobs in ("1", "2")
    }
    assert outputs["1"].stdout == outputs["2"].stdout
    assert len(parse_jsonl(outputs["2"].stdout)) == 26
    assert "14 came out empty (dropped)" in outputs["2"].stderr.decode()


def test_read_deferred_gives_files_to_the_workers_and_errors_in_their_place(
    awkward: Path,
) -> None:
    report = InputReport()
    items = list(read_deferred([str(awkward), str(awkward / "missing")], report=report))
    kinds = [type(item).__name__ for item in items]
    assert {"RawDocument", "Record", "WorkResult"} == set(kinds)
    failures = [i.errors for i in items if isinstance(i, WorkResult)]
    assert failures == [
        [
            (
                f"{awkward}/e_bad.jsonl:2",
                "malformed JSONL record: Expecting value: line 1 column 1 (char 0)",
            )
        ],
        [(f"{awkward}/e_bad.jsonl:3", "malformed JSONL record: expected a JSON object")],
        [(f"{awkward}/missing", "no such file or directory")],
    ]
    assert report.files_read == 3  # the JSONL files, read here; the raw ones are not yet
    documents = [i for i in items if isinstance(i, RawDocument)]
    image = next(d for d in documents if d.item.relative == "b_image.png")
    assert image.read() == (
        [],
        [(image.item.path, "binary data, not a text document")],
        InputReport(),
    )
    records, errors, read = documents[0].read()
    assert len(records) == 1 and not errors and read.files_read == 1


def test_in_input_order_renames_repeated_ids_as_read_records_does(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.txt").write_text("First.")
    (tmp_path / "b" / "x.txt").write_text("Second.")
    (tmp_path / "r.jsonl").write_text(
        '{"id": "x.txt", "text": "t"}\n{"id": "x.txt", "text": "u", "v": NaN}\n'
    )
    inputs = [str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "r.jsonl")] * 2
    expected = [encode_line(r) for r in clean_records(read_records(inputs))]
    for jobs in (1, 2):
        results = clean_encoded(read_deferred(inputs), CleanConfig(), jobs=jobs)
        lines = [r.line for r in in_input_order(results, raise_error, InputReport())]
        assert lines == expected
    assert len({json.loads(line)["id"] for line in expected}) == 8


def test_clean_encoded_leaves_repeated_lines_to_clean_records() -> None:
    with pytest.raises(ValueError, match="repeated_lines"):
        list(clean_encoded([], CleanConfig(repeated_lines=2)))


def test_strict_stops_the_workers_at_the_first_bad_file(tmp_path: Path) -> None:
    """The error is raised where the lines are written, outside the pool: the pool must be
    shut down there and then (left to the garbage collector, the process hung at exit)."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(300):
        (folder / f"{n:03d}.txt").write_text(f"Story {n}: the harbour reopened on Monday.")
    (folder / "150.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    one = run_ingest(["clean", "--strict", "-j", "1", str(folder)], timeout=60)
    two = run_ingest(["clean", "--strict", "-j", "2", str(folder)], timeout=60)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert len(parse_jsonl(two.stdout)) == 150
    error = f"ingest: error: {folder}/150.txt: binary data, not a text document"
    assert two.stderr.decode().strip() == error


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")
def test_a_failed_write_stops_the_workers(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(300):
        (folder / f"{n:03d}.txt").write_text(f"Story {n}: the harbour reopened. " * 20)
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # as /dev/full, in the test's folder
    result = run_ingest(["clean", "-j", "2", str(folder), "-o", str(full)], timeout=60)
    assert result.returncode == 1
    message = f"ingest: error: {full}: cannot write: No space left on device"
    assert result.stderr.decode().strip() == message


def hostile_corpus(folder: Path) -> Path:
    """What the review of -j tried (all fine): special files and an empty folder among the
    inputs, truncated archives of each codec, empty documents, JSON at its edges."""
    folder.mkdir()
    (folder / "empty").mkdir()
    os.mkfifo(folder / "fifo")  # skipped in a folder: it would block the run
    with contextlib.suppress(PermissionError):  # needs root (CI runs as root)
        os.mknod(folder / "zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    story = "".join(f"Sentence {n} of a story. " for n in range(2000)).encode()
    (folder / "cut.txt.bz2").write_bytes(bz2.compress(story)[:200])
    (folder / "cut.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(story)[:-9])
    (folder / "blank.txt").write_bytes(b" \n\n")
    (folder / "nothing.txt").write_bytes(b"")
    lines = [
        b'{"id": "n", "text": "not a number", "v": NaN, "w": -Infinity}',
        b'{"id": "big", "text": "a large int", "v": ' + b"7" * 4000 + b"}",
        b'{"id": "bigger", "text": "too large", "v": ' + b"7" * 5000 + b"}",
        b'{"id": "n", "text": "lone \\udc80 half", "metadata": {"title": "\\ud800"}}',
        b'{"id": "e", "text": ""}',
        b"\xff\xfe not UTF-8",
    ]
    (folder / "edges.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (folder / "story.txt").write_bytes(story)
    (folder / "story copy.txt").write_bytes(story)
    return folder


@pytest.mark.parametrize(
    "command", [["clean"], ["clean", "--drop-empty"], ["dedupe"], ["run", "--drop-empty"]]
)
def test_hostile_inputs_give_the_same_through_the_workers(
    tmp_path: Path, command: list[str]
) -> None:
    corpus = hostile_corpus(tmp_path / "corpus")
    arguments = [*command, str(corpus), str(corpus / "empty"), str(corpus / "edges.jsonl")]
    one = run_ingest([*arguments, "-j", "1"], timeout=60)
    two = run_ingest([*arguments, "-j", "2"], timeout=60)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert _without_time(one.stderr) == _without_time(two.stderr)
    assert b"Traceback" not in two.stderr and b"unexpected" not in two.stderr
    errors = [line for line in two.stderr.decode().splitlines() if "error:" in line]
    assert len(errors) == 2 * 2 + 2  # two bad lines in each read of edges.jsonl; two archives
    ids = [r["id"] for r in parse_jsonl(two.stdout)]
    assert len(ids) == len(set(ids))


KILLED_WHILE_SENDING = """
import os, pickle, signal, threading, time
from ingest.parallel import WorkerLost, parallel_map

def work(item: int) -> bytes:
    if item != 1:
        time.sleep(0.2)
        return b"y"
    result = b"x" * (192 << 20)
    started = time.perf_counter()
    pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    pickling = time.perf_counter() - started
    # The pool pickles the result as long again, then writes it (a few hundred ms through
    # the pipe): killed some way into the writing, part of it is in the pipe.
    threading.Timer(pickling + 0.05, os.kill, (os.getpid(), signal.SIGKILL)).start()
    return result

if __name__ == "__main__":
    try:
        list(parallel_map(work, range(8), jobs=2, chunk_size=1))
    except WorkerLost as lost:
        print("lost:", lost)
"""


def test_a_worker_killed_while_it_sends_its_result_ends_the_run(tmp_path: Path) -> None:
    # Part of its result is in the pipe: the pool's own reader would wait for the rest
    # forever (the run hung); the lost worker ends the wait, with the usual message.
    script = tmp_path / "killed.py"
    script.write_text(KILLED_WHILE_SENDING)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("lost: a worker process was killed"), done.stdout
