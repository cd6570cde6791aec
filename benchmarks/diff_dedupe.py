"""Differential runs of `ingest dedupe` (and `ingest run`): two checkouts, the same inputs,
compared byte for byte.

    python benchmarks/diff_dedupe.py --old /tmp/oldmain --new . [--quick] [--seed 1]
        [--corpus FILE.jsonl ...] [--raw FOLDER ...] [--keep-work DIR]
        [--only matrix tables inputs bad index run]

Builds hostile dedupe corpora (sites whose common lines are whole paragraphs or glued to
the next line, blank lines of every kind of whitespace, punctuation-only lines, CRLF, no
trailing newline, empty and punctuation-only texts, the sentence mark spelled literally,
CJK/Thai/Korean, lone surrogates, NaN metadata, integer and duplicate ids, near copies in
other frames), plus any ``--corpus`` JSONL files; then for each corpus, option set and -j,
runs ``python -m ingest dedupe`` with PYTHONPATH=OLD and =NEW and compares the exit code,
stdout, the stderr lines (timing masked), the ``--clusters`` file, and what is left in
TMPDIR (a fresh empty folder for each run). Also: inputs as several files, stdin, a FIFO
and gzip; Parquet output (read back with pyarrow); ``--index`` written and queried by each
side and across sides; ``ingest run`` on ``--raw`` folders (told apart from clean's own
changes); and ``tables``: each side's per-document table of pass 2 (signatures, shingle
counts, exact hashes, framed...) compared row by row, which a change of signature shows
even when no decision changes. Exit status 1 when anything differs (each difference is
printed, with the command). A mutation of the story from the layout (a removed paragraph
one word short) shows in 3 of 14 output comparisons (--quick, -j 1) and in 18 table notes
(signatures, sizes, framed, decisions) on the same two 400-document corpora.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

TIMING = re.compile(rb" in \d+\.\d+s")
OPTION_SETS: list[list[str]] = [
    [],
    ["--mark"],
    ["--keep", "longest"],
    ["--keep", "metadata", "--mark"],
    ["--threshold", "0.3"],
    ["--threshold", "0.9", "--mark"],
    ["--ngram", "3"],
    ["--num-perm", "64"],
    ["--common-lines", "0"],
    ["--common-sentences", "0"],
    ["--common-lines", "0", "--common-sentences", "0"],
    ["--common-lines", "2", "--common-sentences", "2", "--mark"],
    ["--shingle", "char"],
    ["--shingle", "word", "--ngram", "2"],
    ["--common-lines", "0", "--common-sentences", "0", "--shingle", "char", "--mark"],
]
QUICK_SETS = OPTION_SETS[:3] + OPTION_SETS[8:12]

VOCAB = [
    "rain",
    "river",
    "city",
    "council",
    "school",
    "road",
    "bridge",
    "storm",
    "market",
    "court",
    "vote",
    "mayor",
]
BLANKS = ["", " ", "\t", "\r", "\u3000", "\u2028", "\x85", "\x0c", "\xa0", " \t\r"]
PUNCT_LINES = ["---", "|", "©", "...", "!!!", "。", "…", "* * *", "——", "?"]
MARKS = [
    "qqsentencebreakqq",
    "ＱＱＳＥＮＴＥＮＣＥＢＲＥＡＫＱＱ",
    "xqqsentencebreakqqy",
    "QQSentenceBreakQQ",
]
CJK = [
    "联合国人权理事会第四十八届会议九月十三日在日内瓦开幕。",
    "十多个中国社会组织通过视频方式参加了各项议题的讨论！",
    "日本語の文章はスペースなしで書かれます。",
    "ภาษาไทยเขียนโดยไม่มีช่องว่างระหว่างคำ",
    "한국어는 단어 사이에 띄어쓰기를 합니다. 서울에서 회의가 열렸다.",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCAB) for _ in range(rng.randint(1, 12))]
    if rng.random() < 0.08:
        words.insert(rng.randrange(len(words) + 1), rng.choice(MARKS))
    if rng.random() < 0.05:
        words.append("e\u0301te\u0301")  # combining marks
    end = rng.choice([".", ".", "!", "?", "…", "．", "", ".\u201d", "。"])
    return " ".join(words).capitalize() + end


def paragraph(rng: random.Random) -> list[str]:
    lines = [" ".join(sentence(rng) for _ in range(rng.randint(1, 4)))]
    while rng.random() < 0.3:
        lines.append(" ".join(sentence(rng) for _ in range(rng.randint(1, 2))))
    if rng.random() < 0.15:
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(PUNCT_LINES))
    return lines


def frame(site: str, rng: random.Random) -> dict[str, list[list[str]]]:
    name = site.split(".")[0].title()
    return {
        "header": [
            [f"{name} Daily | Home | Sport | Weather"],
            [f"Menu {name}", "Log in | Sign up"],
        ],
        "crumb": [[f"Home > {name} > News"]],
        "footer": [
            [f"Copyright {name} Daily. All rights reserved."],
            [f"{name} is an independent publication. Subscribe to our newsletter."],
            ["©", f"{name} Media 2024"],
        ],
    }


def document(rng: random.Random, site: str, story: list[list[str]]) -> str:
    parts = frame(site, rng)
    paragraphs: list[list[str]] = []
    if rng.random() < 0.8:
        paragraphs.append(rng.choice(parts["header"]))
    body = [list(p) for p in story]
    if body and rng.random() < 0.4:  # breadcrumb glued to the headline
        body[0] = parts["crumb"][0] + body[0]
    paragraphs += body
    for footer in parts["footer"]:
        if rng.random() < 0.6:
            paragraphs.append(footer)
    if rng.random() < 0.2:
        paragraphs.insert(rng.randrange(len(paragraphs) + 1), [rng.choice(CJK)])
    if rng.random() < 0.1:  # a glued footer: a common line inside a story paragraph
        paragraphs[-1] = paragraphs[-1] + parts["footer"][0]
    newline = "\r\n" if rng.random() < 0.15 else "\n"
    chunks = []
    for n, lines in enumerate(paragraphs):
        if n:
            blank = rng.choice(BLANKS)
            chunks.append(
                newline + blank + newline
                if rng.random() < 0.85
                else newline + blank + newline + newline
            )
        chunks.append(newline.join(lines))
    text = "".join(chunks)
    if rng.random() < 0.3:
        text += newline
    if rng.random() < 0.05:
        text = newline + rng.choice(BLANKS) + newline + text
    return text


def stress_records(seed: int, count: int) -> list[dict]:
    """Hostile documents for dedupe's frame and layout code (see the module's docstring)."""
    rng = random.Random(seed)
    sites = ["north.example", "south.example", "east.example", ""]
    stories = [
        [paragraph(rng) for _ in range(rng.randint(1, 4))] for _ in range(max(count // 3, 4))
    ]
    records: list[dict] = []
    for n in range(count):
        site = rng.choice(sites)
        story = rng.choice(stories)
        if rng.random() < 0.2:  # an edited copy
            story = [list(p) for p in story]
            p = rng.randrange(len(story))
            story[p][0] = story[p][0].replace(rng.choice(VOCAB), rng.choice(VOCAB), 1)
        roll = rng.random()
        if roll < 0.02:
            text = ""
        elif roll < 0.04:
            text = rng.choice(["...", "---\n|\n©", " \n\t\n", "!!!\n\n???", "\u3000"])
        elif roll < 0.10:
            text = " ".join(rng.choice(CJK) for _ in range(rng.randint(1, 6)))
        else:
            text = document(rng, site or "frames.example", story)
        if rng.random() < 0.03:
            text += " \ud800 lone"
        metadata: dict = {}
        if site and rng.random() < 0.95:
            metadata["url"] = f"https://{site}/{n}"
        if rng.random() < 0.05:
            metadata["score"] = float("nan")
        if rng.random() < 0.3:
            metadata["author"] = rng.choice(["", "A. Writer", None, -1, "B"])
        record_id: object = f"doc-{n}"
        if rng.random() < 0.05:
            record_id = n  # an integer id
        elif rng.random() < 0.03:
            record_id = f"doc-{max(n - 1, 0)}"  # a duplicate id
        elif rng.random() < 0.01:
            record_id = f"doc-\udc80-{n}"
        records.append(
            {"id": record_id, "text": text, "source": site or "frames", "metadata": metadata}
        )
    return records


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="ascii") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=True) + "\n")


# -- running both sides --------------------------------------------------------------------


class Runner:
    def __init__(self, old: str, new: str, work: Path) -> None:
        self.old, self.new, self.work = old, new, work
        self.notes: list[str] = []
        self.runs = 0
        self.compared = 0

    def run(
        self, checkout: str, args: list[str], stdin: bytes | None = None, fifo: Path | None = None
    ) -> tuple[int, bytes, bytes, list[str]]:
        tmp = Path(tempfile.mkdtemp(dir=self.work, prefix="tmpdir-"))
        env = dict(os.environ, PYTHONPATH=checkout, TMPDIR=str(tmp))
        self.runs += 1
        feeder = None
        if fifo is not None:  # the FIFO's writer, started after the reader opens it
            data = stdin or b""
            stdin = None

            def feed() -> None:
                with fifo.open("wb") as out:
                    out.write(data)

            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
        proc = subprocess.run(
            [sys.executable, "-m", "ingest", *args],
            input=stdin,
            capture_output=True,
            env=env,
            timeout=600,
            cwd="/",  # python -m puts the working folder first on sys.path
        )
        if feeder is not None:
            feeder.join(10)
        left = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))
        shutil.rmtree(tmp, ignore_errors=True)
        return proc.returncode, proc.stdout, TIMING.sub(b" in Xs", proc.stderr), left

    def both(
        self,
        label: str,
        args: list[str],
        stdin: bytes | None = None,
        outputs: tuple[str, ...] = (),
        fifo: Path | None = None,
        reader=None,
    ) -> tuple[tuple, tuple]:
        """Run ``args`` on both sides; ``outputs``: names of files the command writes (given
        in ``args`` as ``{out}/name``), compared too (``reader`` turns one into bytes)."""
        results = []
        files = []
        for side, checkout in (("old", self.old), ("new", self.new)):
            out = self.work / f"out-{side}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            concrete = [a.replace("{out}", str(out)) for a in args]
            results.append(self.run(checkout, concrete, stdin, fifo))
            files.append({name: _read(out / name, reader) for name in outputs})
        old, new = results
        self.compared += 1
        self._describe(label, old, new)
        for name in outputs:
            if files[0][name] != files[1][name]:
                self.notes.append(
                    f"{label}: {name} differs ({_sizes(files[0][name], files[1][name])})"
                )
        return old, new

    def _describe(self, label: str, old: tuple, new: tuple) -> None:
        if old[0] != new[0]:
            self.notes.append(f"{label}: exit {old[0]} -> {new[0]}: {new[2][-300:]!r}")
        if old[2] != new[2]:
            self.notes.append(f"{label}: stderr {old[2][-300:]!r} -> {new[2][-300:]!r}")
        if old[1] != new[1]:
            self.notes.append(f"{label}: stdout differs: {_first_line_difference(old[1], new[1])}")
        if new[3]:
            self.notes.append(f"{label}: NEW left in TMPDIR: {new[3][:5]} (OLD: {old[3][:5]})")
        for side, result in (("OLD", old), ("NEW", new)):
            if b"Traceback" in result[2]:
                self.notes.append(f"{label}: {side} traceback: {result[2][-400:]!r}")


def _read(path: Path, reader) -> bytes | None:
    if not path.exists():
        return None
    return reader(path) if reader else path.read_bytes()


def _sizes(a: bytes | None, b: bytes | None) -> str:
    return f"{None if a is None else len(a)} vs {None if b is None else len(b)} bytes"


def _first_line_difference(a: bytes, b: bytes) -> str:
    la, lb = a.split(b"\n"), b.split(b"\n")
    for n, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            return f"line {n}: {x[:300]!r} -> {y[:300]!r}"
    return f"{len(la)} vs {len(lb)} lines"


def parquet_bytes(path: Path) -> bytes:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return repr((table.schema, table.to_pylist())).encode()


# -- the checks ----------------------------------------------------------------------------


def option_matrix(
    r: Runner, corpora: dict[str, Path], sets: list[list[str]], jobs: list[str]
) -> None:
    for name, path in corpora.items():
        for options in sets:
            for j in jobs:
                args = [
                    "dedupe",
                    *options,
                    "-j",
                    j,
                    "--clusters",
                    "{out}/clusters.jsonl",
                    str(path),
                ]
                r.both(
                    f"dedupe {name} {' '.join(options)} -j {j}", args, outputs=("clusters.jsonl",)
                )
        print(f"  {name}: done, {len(r.notes)} notes", file=sys.stderr, flush=True)


def input_kinds(r: Runner, path: Path, jobs: list[str]) -> None:
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    parts = []
    for n in range(3):
        part = r.work / f"part{n}.jsonl"
        part.write_bytes(b"".join(lines[n::3]))
        parts.append(str(part))
    packed = r.work / "corpus.jsonl.gz"
    packed.write_bytes(gzip.compress(data, mtime=0))
    fifo = r.work / "input.fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    for j in jobs:
        r.both(f"dedupe several files -j {j}", ["dedupe", "-j", j, *parts])
        r.both(f"dedupe stdin -j {j}", ["dedupe", "-j", j, "--mark"], stdin=data)
        r.both(f"dedupe stdin '-' -j {j}", ["dedupe", "-j", j, "-"], stdin=data)
        r.both(f"dedupe gzip -j {j}", ["dedupe", "-j", j, str(packed)])
        r.both(f"dedupe fifo -j {j}", ["dedupe", "-j", j, str(fifo)], stdin=data, fifo=fifo)
        r.both(
            f"dedupe -o parquet -j {j}",
            ["dedupe", "-j", j, "--mark", str(path), "-o", "{out}/out.parquet"],
            outputs=("out.parquet",),
            reader=parquet_bytes,
        )
        r.both(
            f"dedupe -o jsonl.gz -j {j}",
            ["dedupe", "-j", j, str(path), "-o", "{out}/out.jsonl.gz"],
            outputs=("out.jsonl.gz",),
            reader=lambda p: gzip.decompress(p.read_bytes()),
        )
        r.both(f"dedupe --strict -j {j}", ["dedupe", "--strict", "-j", j, str(path)])


def bad_inputs(r: Runner, path: Path, jobs: list[str]) -> None:
    """Malformed input mid-way, with and without --strict: exit, messages, leftovers."""
    lines = path.read_bytes().splitlines(keepends=True)
    middle = len(lines) // 2
    bad = r.work / "bad.jsonl"
    bad.write_bytes(b"".join(lines[:middle]) + b'{"id": "x", "text": \n' + b"".join(lines[middle:]))
    notext = r.work / "notext.jsonl"
    notext.write_bytes(
        b"".join(lines[:middle]) + b'{"id": "y", "text": 5}\n[1,2]\n' + b"".join(lines[middle:])
    )
    for j in jobs:
        for name, file in (("bad", bad), ("notext", notext)):
            r.both(f"dedupe {name} -j {j}", ["dedupe", "-j", j, str(file)])
            r.both(f"dedupe {name} --strict -j {j}", ["dedupe", "--strict", "-j", j, str(file)])
            r.both(
                f"dedupe {name} --strict -o -j {j}",
                [
                    "dedupe",
                    "--strict",
                    "-j",
                    j,
                    str(file),
                    "-o",
                    "{out}/o.jsonl",
                    "--clusters",
                    "{out}/c.jsonl",
                ],
                outputs=("o.jsonl", "c.jsonl"),
            )


def index_checks(r: Runner, path: Path, jobs: list[str]) -> None:
    """An index written by each side from the first half, queried with the second half by
    each side (also the other side's index)."""
    lines = path.read_bytes().splitlines(keepends=True)
    first, second = r.work / "first.jsonl", r.work / "second.jsonl"
    first.write_bytes(b"".join(lines[: len(lines) // 2]))
    second.write_bytes(b"".join(lines[len(lines) // 4 :]))
    for j in jobs:
        indexes = {}
        for side, checkout in (("old", r.old), ("new", r.new)):
            index = r.work / f"index-{side}-{j}"
            for stale in (index, index.with_name(index.name + ".lock")):
                stale.unlink(missing_ok=True)
            indexes[side] = index
            result = r.run(checkout, ["dedupe", "-j", j, "--index", str(index), str(first)])
            r.compared += 1
            if result[0] != 0:
                r.notes.append(f"index write {side} -j {j}: exit {result[0]} {result[2][-300:]!r}")
        contents = {side: _index_contents(path) for side, path in indexes.items()}
        if contents["old"] != contents["new"]:
            r.notes.append(
                f"index -j {j}: the index files differ: {_index_diff(*contents.values())}"
            )
        baseline: tuple | None = None
        baseline_index: dict[str, bytes] = {}
        for writer_side in ("old", "new"):
            for reader_side in ("old", "new"):
                query = r.work / f"query-{writer_side}"
                query.unlink(missing_ok=True)
                shutil.copyfile(indexes[writer_side], query)
                checkout = r.old if reader_side == "old" else r.new
                result = r.run(
                    checkout, ["dedupe", "-j", j, "--mark", "--index", str(query), str(second)]
                )
                key = f"index {writer_side}->{reader_side} -j {j}"
                updated = _index_contents(query)  # what the query saved to the index
                if baseline is None:
                    baseline, baseline_index = result, updated
                else:
                    r._describe(key, baseline, result)
                    r.compared += 1
                    if updated != baseline_index:
                        r.notes.append(
                            f"{key}: updated index differs: {_index_diff(baseline_index, updated)}"
                        )
                if b"Traceback" in result[2] or result[0]:
                    r.notes.append(f"{key}: exit {result[0]} {result[2][-300:]!r}")
                query.with_name(query.name + ".lock").unlink(missing_ok=True)


def _index_contents(path: Path) -> dict[str, bytes]:
    """An index file's members (a zip of arrays), by name."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _index_diff(a: dict[str, bytes], b: dict[str, bytes]) -> str:
    names = sorted(set(a) | set(b))
    return ", ".join(n for n in names if a.get(n) != b.get(n))


def run_checks(r: Runner, folders: list[Path], jobs: list[str]) -> None:
    """``ingest run`` on raw folders; where the outputs differ, whether ``clean | split``
    differs too (a change of clean's, not dedupe's), and dedupe alone on the same split
    records (NEW's) on both sides."""
    for folder in folders:
        for j in jobs:
            split_outputs = []
            for side in (r.old, r.new):
                cleaned = r.run(side, ["clean", "-q", "-j", j, str(folder)])
                split_outputs.append(r.run(side, ["split", "-q", "-j", j], stdin=cleaned[1])[1])
            clean_differs = split_outputs[0] != split_outputs[1]
            split = r.work / f"split-{folder.name}-{j}.jsonl"
            split.write_bytes(split_outputs[1])
            for options in (
                [],
                ["--mark", "--keep", "longest"],
                ["--common-lines", "0", "--common-sentences", "0"],
            ):
                before = len(r.notes)
                r.both(
                    f"run {folder.name} {' '.join(options)} -j {j}",
                    ["run", *options, "-j", j, "--clusters", "{out}/c.jsonl", str(folder)],
                    outputs=("c.jsonl",),
                )
                if clean_differs and len(r.notes) > before:
                    r.notes.append(
                        f"run {folder.name} -j {j}: clean | split differs between the sides "
                        "too (the differences above may be clean's)"
                    )
                r.both(
                    f"dedupe on NEW's split of {folder.name} {' '.join(options)} -j {j}",
                    ["dedupe", *options, "-j", j, "--clusters", "{out}/c.jsonl", str(split)],
                    outputs=("c.jsonl",),
                )


# Run by each side (PYTHONPATH=its checkout): the per-document table pass 2 made (MinHash
# signatures, shingle counts, exact hashes, lengths, richness, framed) and the decisions,
# pickled. More sensitive than the output bytes: a changed signature need not change a
# decision.
TABLE_DUMP = """
import json, pickle, sys
import numpy as np
from ingest.dedupe import DedupeConfig
from ingest.dedupe.deduplicator import Deduplicator
from ingest.io import read_records
path, out, jobs, options = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
deduplicator = Deduplicator(DedupeConfig(**options), jobs=jobs)
for _ in deduplicator.run(read_records([path])):
    pass
table = deduplicator._table
names = ("signatures", "sizes", "exact", "lengths", "richness", "framed")
dump = {name: np.asarray(getattr(table, name))[: len(table)].copy() for name in names}
dump["ids"] = [table.ids[n] for n in range(len(table))]
dump["duplicates"] = sorted((k, repr(v)) for k, v in deduplicator.duplicates.items())
with open(out, "wb") as stream:
    pickle.dump(dump, stream)
"""
TABLE_OPTIONS = [{}, {"ngram": 3, "common_lines": 2, "common_sentences": 2}, {"ngram": 1}]


def table_checks(r: Runner, corpora: dict[str, Path], jobs: list[str]) -> None:
    """The per-document tables of both sides, column by column (rows that differ named)."""
    import pickle

    import numpy as np

    for name, path in corpora.items():
        for options in TABLE_OPTIONS:
            for j in jobs:
                dumps = []
                for side in (r.old, r.new):
                    out = r.work / "table.pickle"
                    arguments = [str(path), str(out), j, json.dumps(options)]
                    env = dict(os.environ, PYTHONPATH=side)
                    command = [sys.executable, "-c", TABLE_DUMP, *arguments]
                    done = subprocess.run(command, env=env, cwd="/", capture_output=True)
                    r.runs += 1
                    if done.returncode:
                        r.notes.append(f"table {name} {options} -j {j}: {done.stderr[-300:]!r}")
                        return
                    with out.open("rb") as stream:
                        dumps.append(pickle.load(stream))
                r.compared += 1
                old, new = dumps
                for column in old:
                    a, b = old[column], new[column]
                    if isinstance(a, np.ndarray) and a.shape == b.shape:
                        rows = np.nonzero((a != b).reshape(len(a), -1).any(axis=1))[0]
                        if len(rows):
                            r.notes.append(
                                f"table {name} {options} -j {j}: {column} differs at rows "
                                f"{rows[:10].tolist()} (ids {[old['ids'][n] for n in rows[:5]]})"
                            )
                    elif not isinstance(a, np.ndarray) and a == b:
                        continue
                    else:
                        r.notes.append(f"table {name} {options} -j {j}: {column} differs")
        print(f"  tables of {name}: done, {len(r.notes)} notes", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", default="/tmp/oldmain")
    parser.add_argument("--new", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--jobs", nargs="+", default=["1", "2"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=600, help="documents a generated corpus")
    parser.add_argument("--corpus", nargs="*", default=[], help="more JSONL corpora")
    parser.add_argument("--raw", nargs="*", default=[], help="folders for `ingest run`")
    parser.add_argument("--quick", action="store_true", help="fewer option sets")
    parser.add_argument(
        "--only", choices=["matrix", "tables", "inputs", "bad", "index", "run"], nargs="*"
    )
    parser.add_argument("--keep-work", help="work folder (kept); default: a temporary one")
    args = parser.parse_args()
    old, new = str(Path(args.old).resolve()), str(Path(args.new).resolve())
    work = Path(args.keep_work or tempfile.mkdtemp(prefix="diff-dedupe-"))
    work.mkdir(parents=True, exist_ok=True)
    r = Runner(old, new, work)
    corpora: dict[str, Path] = {}
    for seed in (args.seed, args.seed + 1):
        path = work / f"stress-{seed}.jsonl"
        write_jsonl(path, stress_records(seed, args.count))
        corpora[path.stem] = path
    for extra in args.corpus:
        corpora[Path(extra).stem] = Path(extra).resolve()
    only = set(args.only or ["matrix", "tables", "inputs", "bad", "index", "run"])
    main_corpus = next(iter(corpora.values()))
    if "matrix" in only:
        option_matrix(r, corpora, QUICK_SETS if args.quick else OPTION_SETS, args.jobs)
    if "tables" in only:
        table_checks(r, corpora, args.jobs)
    if "inputs" in only:
        input_kinds(r, main_corpus, args.jobs)
    if "bad" in only:
        bad_inputs(r, main_corpus, args.jobs)
    if "index" in only:
        index_checks(r, main_corpus, args.jobs)
    if "run" in only:
        run_checks(r, [Path(p).resolve() for p in args.raw], args.jobs)
    for note in r.notes:
        print(note)
    print(
        f"{r.compared} comparisons ({r.runs} runs), {len(r.notes)} differences; work: {work}",
        file=sys.stderr,
    )
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if r.notes else 0


if __name__ == "__main__":
    sys.exit(main())
