"""Differential runs: the same inputs through two checkouts of ingest, compared byte for byte.

    python benchmarks/diff_old_new.py --old /tmp/me/old --new . INPUT... [--jobs 1 2] [--quick]

For each command (clean with several option sets, split on clean's output and on the raw
inputs, run) and each -j, runs `python -m ingest` with PYTHONPATH=OLD and =NEW, and compares
exit codes, stderr lines (the summary's timing masked) and stdout; differing records are
listed by id with the first differing field. Also checks NEW -j 1 against NEW -j 2 and that
no run prints a traceback. Exit status 1 when anything differs.
Generate hostile inputs first with benchmarks/hostile_corpus.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CLEAN_OPTIONS = [
    [],
    ["--explain"],
    ["--no-repair"],
    ["--keep-entities"],
    ["--no-boilerplate"],
    ["--repeated-lines", "2"],
    ["--drop-empty"],
    ["--min-items", "3"],
]
TIMING = re.compile(rb" in \d+\.\d+s")


def run(checkout: str, args: list[str], stdin: bytes | None = None) -> tuple[int, bytes, bytes]:
    env = dict(os.environ, PYTHONPATH=checkout)
    # cwd "/": python -m puts the working directory first on sys.path, ahead of PYTHONPATH.
    proc = subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=900,
        cwd="/",
    )
    return proc.returncode, proc.stdout, TIMING.sub(b" in Xs", proc.stderr)


def by_id(out: bytes) -> dict[str, dict]:
    records = {}
    for line in out.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        records[rec.get("id", "?")] = rec
    return records


def first_difference(a: dict, b: dict) -> str:
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
                return key + "." + first_difference(a[key], b[key])
            return f"{key}: {str(a.get(key))[:160]!r} -> {str(b.get(key))[:160]!r}"
    return "(key order or encoding only)"


def describe(label: str, old: tuple[int, bytes, bytes], new: tuple[int, bytes, bytes]) -> list[str]:
    notes = []
    if old[0] != new[0]:
        notes.append(f"{label}: exit {old[0]} -> {new[0]}")
    if old[2] != new[2]:
        o, n = set(old[2].splitlines()), set(new[2].splitlines())
        for line in sorted(o - n)[:8]:
            notes.append(f"{label}: stderr OLD only: {line.decode(errors='replace')[:200]}")
        for line in sorted(n - o)[:8]:
            notes.append(f"{label}: stderr NEW only: {line.decode(errors='replace')[:200]}")
    if old[1] != new[1]:
        a, b = by_id(old[1]), by_id(new[1])
        for rid in sorted(set(a) - set(b))[:10]:
            notes.append(f"{label}: record only in OLD: {rid}")
        for rid in sorted(set(b) - set(a))[:10]:
            notes.append(f"{label}: record only in NEW: {rid}")
        changed = [rid for rid in sorted(set(a) & set(b)) if a[rid] != b[rid]]
        for rid in changed[:20]:
            notes.append(f"{label}: {rid}: {first_difference(a[rid], b[rid])}")
        if len(changed) > 20:
            notes.append(f"{label}: ... {len(changed) - 20} more changed records")
        if not (set(a) ^ set(b)) and not changed:
            notes.append(f"{label}: stdout bytes differ, records equal (order?)")
    for name, result in (("OLD", old), ("NEW", new)):
        if b"Traceback" in result[2] or b"unexpected" in result[2]:
            notes.append(f"{label}: {name} printed a traceback / unexpected error")
    return notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--old", default="/tmp/me/old")
    parser.add_argument("--new", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--jobs", nargs="+", default=["1", "2"])
    parser.add_argument("--quick", action="store_true", help="only clean (default), split, run")
    args = parser.parse_args()
    args.inputs = [str(Path(p).resolve()) for p in args.inputs]
    args.old, args.new = str(Path(args.old).resolve()), str(Path(args.new).resolve())
    options = [[]] if args.quick else CLEAN_OPTIONS
    notes: list[str] = []
    new_by_jobs: dict[str, list[bytes]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in args.jobs:
            j = ["-j", jobs]
            outputs: list[bytes] = []
            for opts in options:
                cmd = ["clean", *opts, *j, *args.inputs]
                old, new = run(args.old, cmd), run(args.new, cmd)
                notes += describe(" ".join(["clean", *opts, *j]), old, new)
                outputs.append(new[1])
                if not opts:
                    cleaned = Path(tmp, f"clean-{jobs}.jsonl")
                    cleaned.write_bytes(new[1])
                    old_cleaned = Path(tmp, f"oldclean-{jobs}.jsonl")
                    old_cleaned.write_bytes(old[1])
            for split_opts in ([], ["--keep-parent"], ["--no-intro"]):
                cmd = ["split", *split_opts, *j, str(cleaned)]
                old, new = run(args.old, cmd), run(args.new, cmd)
                notes += describe(" ".join(["split(new clean)", *split_opts, *j]), old, new)
                outputs.append(new[1])
            cmd = ["split", *j, str(old_cleaned)]
            notes += describe(f"split(old clean) -j {jobs}", run(args.old, cmd), run(args.new, cmd))
            cmd = ["split", *j, *args.inputs]
            old, new = run(args.old, cmd), run(args.new, cmd)
            notes += describe(f"split(raw) -j {jobs}", old, new)
            outputs.append(new[1])
            cmd = ["run", *j, *args.inputs]
            old, new = run(args.old, cmd), run(args.new, cmd)
            notes += describe(f"run -j {jobs}", old, new)
            outputs.append(new[1])
            new_by_jobs[jobs] = outputs
            print(f"-j {jobs} done, {len(notes)} notes so far", file=sys.stderr, flush=True)
    if len(new_by_jobs) > 1:
        first, *rest = new_by_jobs.values()
        for other in rest:
            for i, (a, b) in enumerate(zip(first, other, strict=True)):
                if a != b:
                    notes.append(f"NEW -j differs on command #{i}")
    for note in notes:
        print(note)
    print(f"{len(notes)} differences", file=sys.stderr)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
