"""How ``ingest dedupe`` scales: time and peak memory at growing corpus sizes, in one run.

The corpus is benchmarks/perf_corpus.py (about 2.2 KB a document, 10% planted near copies,
so the true number to keep is known); each size is a prefix of the largest, generated once
into ``--workdir``. Every run is its own process, measured as bench_perf.py measures (wall
time, CPU time of the whole process tree, the most its processes held at one time, added
up). The last column is each run's time over the smallest run's, against the ratio of their
sizes: #13 asks for a million documents in under 5 minutes and 1.5 GB, and at most 11x the
time of 100,000.

    python benchmarks/bench_scale.py --docs 100000 1000000 --jobs 2 --workdir /tmp/scale
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from _common import compile_package, table
from bench_perf import PAGE_MB, TreeSampler, _descendants, _stat, ingest, measure
from perf_corpus import as_json, documents, true_kept


def write_corpora(sizes: list[int], folder: Path) -> dict[int, Path]:
    """``corpus-N.jsonl`` for each size, each the first N documents of the largest."""
    paths = {n: folder / f"corpus-{n}.jsonl" for n in sizes}
    missing = [n for n in sizes if not paths[n].exists()]
    if not missing:
        return paths
    outs = {n: open(paths[n], "w", encoding="utf-8") for n in missing}  # noqa: SIM115
    try:
        for position, document in enumerate(documents(max(missing))):
            line = as_json(document) + "\n"
            for n, out in outs.items():
                if position < n:
                    out.write(line)
    finally:
        for out in outs.values():
            out.close()
    return paths


def score(output: Path, count: int) -> str:
    """Kept against the truth: copies left in, originals wrongly removed."""
    kept = missed = 0
    with open(output, encoding="utf-8") as lines:
        for line in lines:
            kept += 1
            missed += json.loads(line)["id"].startswith("c")
    lost = true_kept(count) - (kept - missed)
    return f"{kept:,} ({missed} copies left, {lost} originals lost)"


class MemorySampler(TreeSampler):
    """Also the most one process held (RSS), and the most the tree held counting each shared
    page once (PSS: a forked worker shares its parent's pages until either writes them,
    and a sum of RSS counts them in each)."""

    def __init__(self, root: int) -> None:
        super().__init__(root)
        self.peak_process_mb = 0.0
        self.peak_pss_mb = 0.0

    def run(self) -> None:
        while not self.done.is_set():
            pss = rss = 0.0
            for pid in _descendants(self.root):
                stat = _stat(pid)
                if stat:
                    self.cpu_ticks[pid] = int(stat[11]) + int(stat[12])
                    mine = int(stat[21]) * PAGE_MB
                    self.peak_process_mb = max(self.peak_process_mb, mine)
                    rss += mine
                pss += _pss_mb(pid)
            self.peak_rss_mb = max(self.peak_rss_mb, rss)
            self.peak_pss_mb = max(self.peak_pss_mb, pss)
            self.done.wait(0.2)


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1000
    except OSError:
        pass
    return 0.0


def scale_runs(paths: dict[int, Path], jobs: int, folder: Path) -> list[list[object]]:
    rows, first = [], None
    for count, corpus in sorted(paths.items()):
        output = folder / f"out-{count}.jsonl"
        command = ingest("dedupe", "-q", "-j", str(jobs), str(corpus), "-o", str(output))
        result = measure(command, MemorySampler)
        sampler = result.sampler
        assert isinstance(sampler, MemorySampler)
        first = first or (count, result.seconds)
        rows.append(
            [
                f"{count:,}",
                f"{corpus.stat().st_size / 1e9:.2f}",
                f"{result.seconds:.1f}",
                f"{result.cpu_seconds:.1f}",
                f"{count / result.seconds:,.0f}",
                f"{sampler.peak_process_mb:.0f}",
                f"{sampler.peak_pss_mb:.0f}",
                f"{result.peak_rss_mb:.0f}",
                score(output, count),
                f"{result.seconds / first[1]:.2f}x for {count / first[0]:g}x",
            ]
        )
        output.unlink()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", help="where the corpora are written (default: a temp dir)")
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.workdir or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        paths = write_corpora(sorted(set(args.docs)), folder)
        header = [
            "documents",
            "GB",
            "seconds",
            "CPU s",
            "docs/s",
            "peak RSS MB (a process)",
            "peak PSS MB (all)",
            "peak RSS MB (all, added)",
            "kept",
            "time",
        ]
        print(f"ingest dedupe -j {args.jobs}, {os.cpu_count()} cores\n")
        print(table(scale_runs(paths, args.jobs, folder), header))


if __name__ == "__main__":
    main()
