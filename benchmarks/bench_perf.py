"""Speed, memory and start-up of ``ingest`` next to what a user writes by hand, in one run.

Dedupe: the generated news-like corpus (benchmarks/perf_corpus.py: about 2 KB a document,
10% planted near copies, so the true number to keep is known) through ``ingest dedupe`` and
through the two loops a user writes in ten lines with datasketch (word 5-grams, xxh32,
``MinHashLSH(threshold=0.8)``, keep the first of each group): one calls ``MinHash.update``
per shingle, the other ``update_batch``. Clean: the same documents as plain-text files
through ``ingest clean``, and the real pages of shared/dev-data/readability through
``ingest clean`` and through ``trafilatura.extract`` alone. Start-up: ``ingest --help``.

Every run is its own process: wall time, and the CPU time and peak resident memory of its
whole process tree, sampled from /proc (workers started by a fork server are not children
of ``ingest``, and ``wait4`` and ``/usr/bin/time`` would not see them), the memory of all its
processes added up.
Ingest's times include its start-up; the trafilatura loop's CPU time does not (it is timed
inside its process, as a user would), so that comparison leans against ingest. The machine
is shared: compare the ratios within one run. ``ingest dedupe`` and the ``update_batch``
loop take turns ``--rounds`` times (3): the table shows the run of median time of each,
and the ratio is the median of the rounds' ratios (each printed above the table), since
the load of a shared host shifts between two runs a minute apart.

    python benchmarks/bench_perf.py --docs 20000 [--jobs 2] [--workdir /tmp/bench] [--rounds 3]
    python benchmarks/bench_perf.py --only clean [--text-files 20000] [--jobs 2]
    python benchmarks/bench_perf.py --only clean --large-text-files 50000 --pages none

Clean's speed is given in wall time, per second of CPU (all processes), and as a projection
for an idle machine: the start-up (``ingest clean`` of one short file), which nothing
overlaps, plus the rest of the CPU time spread over the cores. On a shared machine the wall
time says little; the CPU times and the projection are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from _common import DEV_DATA, ROOT, compile_package, table
from perf_corpus import as_json, documents, true_kept

DEFAULT_PAGES = DEV_DATA / "readability" / "pages"
TEXT_FILES = 5000  # plain-text files for the clean run (the first documents of the corpus)
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Measured:
    seconds: float
    cpu_seconds: float  # of every process of the run
    peak_rss_mb: float  # the most the run's processes held at one time, added up
    stdout: str
    main_cpu_seconds: float  # of the first process alone: what workers cannot take over
    sampler: TreeSampler | None = None


TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1e6
SAMPLE_S = 0.05


class TreeSampler(threading.Thread):
    """Samples the CPU time and resident memory of a process and all its descendants.

    Workers started by a fork server are not children of ``ingest``: ``wait4`` and
    ``/usr/bin/time`` would see neither their time nor their memory.
    """

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.cpu_ticks: dict[int, int] = {}
        self.peak_rss_mb = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss = 0.0
            for pid in _descendants(self.root):
                stat = _stat(pid)
                if stat:
                    self.cpu_ticks[pid] = int(stat[11]) + int(stat[12])
                    rss += int(stat[21]) * PAGE_MB
            self.peak_rss_mb = max(self.peak_rss_mb, rss)
            self.done.wait(SAMPLE_S)


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the third on


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                children.setdefault(int(stat[1]), []).append(int(entry))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def measure(command: list[str], sampling: type[TreeSampler] | None = None) -> Measured:
    """Run ``command`` to its end: wall time, CPU time and peak memory of its process tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, env=env)
        sampler = (sampling or TreeSampler)(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"failed: {' '.join(command)}")
        out.seek(0)
        stdout = out.read().decode()
    # Both are lower bounds: the kernel's misses what was never waited for (the pool's
    # workers), the samples miss each process's last few milliseconds.
    sampled = sum(sampler.cpu_ticks.values()) / TICKS
    cpu = max(usage.ru_utime + usage.ru_stime, sampled)
    # Not ru_maxrss: Linux carries the parent's resident size across fork and exec into it.
    peak = sampler.peak_rss_mb
    main = sampler.cpu_ticks.get(process.pid, 0) / TICKS
    return Measured(seconds, cpu, peak, stdout, main, sampler)


def ingest(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "ingest", *arguments]


# -- the hand-written baselines (run in a process of their own by --baseline) -------------


def baseline(kind: str, corpus: str, output: str) -> None:
    """The loop a user writes: read JSONL, 5-gram MinHash with xxh32, LSH at 0.8, keep first."""
    import xxhash
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    with open(corpus, encoding="utf-8") as lines, open(output, "w", encoding="utf-8") as out:
        for line in lines:
            record = json.loads(line)
            words = record["text"].lower().split()
            grams = [" ".join(words[i : i + 5]).encode() for i in range(max(1, len(words) - 4))]
            minhash = MinHash(num_perm=128, hashfunc=xxhash.xxh32_intdigest)
            if kind == "update":
                for gram in grams:
                    minhash.update(gram)
            else:
                minhash.update_batch(grams)
            if not lsh.query(minhash):
                lsh.insert(record["id"], minhash)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


def trafilatura_alone(pages: list[str]) -> None:
    """``trafilatura.extract`` on each page's bytes; prints the seconds of the loop alone."""
    import trafilatura

    started = time.process_time()
    for page in pages:
        trafilatura.extract(Path(page).read_bytes())
    print(json.dumps({"cpu_seconds": time.process_time() - started}))


# -- the runs ------------------------------------------------------------------------------


def write_corpus(count: int, folder: Path, text_files: int = TEXT_FILES) -> tuple[Path, Path, int]:
    """The corpus as JSONL, and its first documents as plain-text files; their sizes."""
    corpus = folder / f"corpus-{count}.jsonl"
    texts = (
        folder / f"texts-{count}"
        if text_files == TEXT_FILES
        else folder / f"texts-{count}-{text_files}"
    )
    if not corpus.exists() or not texts.exists():
        texts.mkdir(exist_ok=True)
        with open(corpus, "w", encoding="utf-8") as out:
            for n, document in enumerate(documents(count)):
                out.write(as_json(document) + "\n")
                if n < text_files:
                    (texts / f"{document.id}.txt").write_text(document.text, encoding="utf-8")
    text_bytes = sum(p.stat().st_size for p in texts.iterdir())
    return corpus, texts, text_bytes


def score(output: str, count: int) -> str:
    """Kept against the truth: copies left in, originals wrongly removed."""
    kept = [json.loads(line)["id"] for line in output.splitlines() if line]
    missed = sum(1 for i in kept if i.startswith("c"))
    lost = true_kept(count) - (len(kept) - missed)
    return f"{len(kept)} ({missed} copies left, {lost} originals lost)"


def dedupe_runs(corpus: Path, count: int, jobs: int, rounds: int) -> list[list[object]]:
    """The dedupe table: ``ingest dedupe`` and the ``update_batch`` loop take turns
    ``rounds`` times (each row is the run of median time; the ratio is the median of the
    rounds' ratios, printed after the table), the per-shingle loop runs once."""
    size_mb = corpus.stat().st_size / 1e6
    with_jobs = "--jobs" in measure(ingest("dedupe", "--help")).stdout
    ours = f"ingest dedupe{f' -j {jobs}' if with_jobs else ''}"
    runs = {
        ours: ingest("dedupe", "-q", str(corpus), *(["-j", str(jobs)] if with_jobs else [])),
        "datasketch update (per shingle)": _baseline_command("update", corpus),
        "datasketch update_batch": _baseline_command("update_batch", corpus),
    }
    measured: dict[str, list[Measured]] = {name: [] for name in runs}
    for _ in range(max(1, rounds)):  # one right after the other: the host's load shifts
        for name in (ours, "datasketch update_batch"):
            measured[name].append(measure(runs[name]))
    per_shingle = "datasketch update (per shingle)"
    measured[per_shingle].append(measure(runs[per_shingle]))
    ratios = [
        batch.seconds / mine.seconds
        for mine, batch in zip(measured[ours], measured["datasketch update_batch"], strict=True)
    ]
    results = {name: _median_run(found) for name, found in measured.items()}
    reference = results["datasketch update_batch"]
    rows = []
    for name, result in results.items():
        output = result.stdout if name.startswith("ingest") else Path(runs[name][-1]).read_text()
        ratio = statistics.median(ratios) if name == ours else reference.seconds / result.seconds
        rows.append(
            [
                name,
                f"{result.seconds:.1f}",
                f"{result.cpu_seconds:.1f}",
                f"{count / result.seconds:,.0f}",
                f"{size_mb / result.seconds:.2f}",
                f"{result.peak_rss_mb:.0f}",
                score(output, count),
                f"{ratio:.2f}x",
                f"{reference.cpu_seconds / result.cpu_seconds:.2f}x",
            ]
        )
    print(
        f"{ours} against update_batch, {len(ratios)} rounds taking turns: "
        + ", ".join(f"{r:.2f}x" for r in ratios)
        + f" (median {statistics.median(ratios):.2f}x)"
    )
    return rows


def _median_run(runs: list[Measured]) -> Measured:
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


def _baseline_command(kind: str, corpus: Path) -> list[str]:
    output = str(corpus.with_suffix(f".{kind}.out"))
    return [sys.executable, str(HERE / "bench_perf.py"), "--baseline", kind, str(corpus), output]


CLEAN_HEADER = [
    "clean",
    "wall s",
    "CPU s (main process)",
    "speed (wall)",
    "of CPU",
    "idle projection",
    "peak RSS MB",
]


def startup_cpu() -> float:
    """CPU seconds of ``ingest clean`` on one short document, best of three: what a run
    costs before its first file, in the main process alone (the workers are forked later)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "one.txt").write_text("One short document.")
        return min(measure(ingest("clean", "-q", "-j", "1", folder)).cpu_seconds for _ in range(3))


def projected_seconds(result: Measured, jobs: int, startup: float) -> float:
    """Wall time on an idle machine with ``jobs`` free cores: the start-up, which nothing
    overlaps, then the rest of the CPU time of every process spread over the cores (a lower
    bound: it assumes no worker ever waits)."""
    return startup + max(0.0, result.cpu_seconds - startup) / min(jobs, os.cpu_count() or 1)


def clean_runs(texts: Path, text_bytes: int, jobs: int, startup: float) -> list[list[object]]:
    mb = text_bytes / 1e6
    files = sum(1 for _ in texts.iterdir())
    rows = []
    for j in sorted({1, jobs}):
        result = measure(ingest("clean", "-q", "-j", str(j), str(texts)))
        idle = projected_seconds(result, j, startup)
        work = max(result.cpu_seconds - startup, 1e-9)
        rows.append(
            [
                f"ingest clean -j {j}: {files:,} text files ({mb:.1f} MB)",
                f"{result.seconds:.2f}",
                f"{result.cpu_seconds:.2f} ({result.main_cpu_seconds:.2f})",
                f"{mb / result.seconds:.1f} MB/s",
                f"{mb / result.cpu_seconds:.1f} MB/s ({mb / work:.1f} without start-up)",
                f"{mb / idle:.1f} MB/s ({mb / (work / min(j, os.cpu_count() or 1)):.1f} "
                "without start-up)",
                f"{result.peak_rss_mb:.0f}",
            ]
        )
    return rows


def html_runs(pages_folder: Path, jobs: int, startup: float) -> list[list[object]]:
    pages = sorted(str(p) for p in pages_folder.glob("*/source.html"))
    alone = measure([sys.executable, str(HERE / "bench_perf.py"), "--trafilatura", *pages])
    loop_cpu = json.loads(alone.stdout)["cpu_seconds"]
    rows = [
        [
            f"trafilatura.extract alone ({len(pages)} pages, loop only)",
            f"{alone.seconds:.2f}",
            f"{loop_cpu:.2f} (loop)",
            "",
            f"{1000 * loop_cpu / len(pages):.1f} ms/page",
            "",
            f"{alone.peak_rss_mb:.0f}",
        ]
    ]
    for j in sorted({1, jobs}):
        result = measure(ingest("clean", "-q", "-j", str(j), *pages))
        idle = projected_seconds(result, j, startup)
        rows.append(
            [
                f"ingest clean -j {j}: same pages (whole process)",
                f"{result.seconds:.2f}",
                f"{result.cpu_seconds:.2f} ({result.main_cpu_seconds:.2f})",
                f"{1000 * result.seconds / len(pages):.1f} ms/page",
                f"{1000 * result.cpu_seconds / len(pages):.1f} ms/page",
                f"{1000 * idle / len(pages):.1f} ms/page",
                f"{result.peak_rss_mb:.0f}",
            ]
        )
    return rows


def startup_runs() -> list[list[object]]:
    """Best of five: wall time, and CPU time (what a loaded machine does not inflate)."""
    rows = []
    for arguments in (["--help"], ["dedupe", "--help"], ["clean", "--help"]):
        runs = [measure(ingest(*arguments)) for _ in range(5)]
        best = min(r.seconds for r in runs)
        cpu = min(r.cpu_seconds for r in runs)
        rows.append([f"ingest {' '.join(arguments)}", f"{best:.2f}", f"{cpu:.2f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000, help="documents in the corpus")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workdir", help="where the corpus is written (default: a temp dir)")
    parser.add_argument("--pages", default=str(DEFAULT_PAGES), help="readability test pages")
    parser.add_argument(
        "--text-files",
        type=int,
        default=TEXT_FILES,
        help="plain-text files for the clean runs (the first documents; at most --docs)",
    )
    parser.add_argument(
        "--large-text-files",
        type=int,
        default=0,
        help="also run clean on this many text files (a corpus where start-up weighs little)",
    )
    parser.add_argument(
        "--only", choices=("clean",), help="run only these runs (clean: text and HTML)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="times ingest dedupe and the update_batch loop take turns (the median is kept)",
    )
    hidden = argparse.SUPPRESS  # the runs of the baselines, each in a process of its own
    parser.add_argument("--baseline", nargs=3, metavar=("KIND", "CORPUS", "OUT"), help=hidden)
    parser.add_argument("--trafilatura", nargs="+", help=hidden)
    args = parser.parse_args()
    if args.baseline:
        baseline(*args.baseline)
        return
    if args.trafilatura:
        trafilatura_alone(args.trafilatura)
        return
    compile_package()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.workdir or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        run = (args.docs, args.jobs, folder, Path(args.pages), args.text_files)
        if args.only == "clean":
            clean_report(*run, args.large_text_files)
            return
        report(*run, args.large_text_files, args.rounds)


def clean_report(
    count: int, jobs: int, folder: Path, pages: Path, text_files: int, large_text_files: int = 0
) -> None:
    """The clean runs: plain text, and the readability pages next to trafilatura alone."""
    _, texts, text_bytes = write_corpus(count, folder, min(count, text_files))
    startup = startup_cpu()
    load = os.getloadavg()[0]
    print(
        f"{os.cpu_count()} cores, load average {load:.1f} at the start; start-up "
        f"(ingest clean of one short file) {startup:.2f} s of CPU"
    )
    clean = clean_runs(texts, text_bytes, jobs, startup)
    if large_text_files:
        clean += large_clean_runs(count, folder, large_text_files, jobs, startup)
    if pages.is_dir():
        clean += html_runs(pages, jobs, startup)
    print(table(clean, CLEAN_HEADER))


def large_clean_runs(
    count: int, folder: Path, files: int, jobs: int, startup: float
) -> list[list[object]]:
    """The clean runs again on ``files`` text files (the first documents of a corpus of at
    least that many), where the start-up is a small part of the run."""
    _, texts, text_bytes = write_corpus(max(count, files), folder, files)
    return clean_runs(texts, text_bytes, jobs, startup)


def report(
    count: int,
    jobs: int,
    folder: Path,
    pages: Path,
    text_files: int,
    large_text_files: int = 0,
    rounds: int = 3,
) -> None:
    corpus, texts, text_bytes = write_corpus(count, folder, min(count, text_files))
    print(
        f"corpus: {count:,} documents, {corpus.stat().st_size / 1e6:.0f} MB of JSONL, "
        f"true number to keep {true_kept(count):,}; {os.cpu_count()} cores, -j {jobs}\n"
    )
    print(table(startup_runs(), ["start-up (best of 5)", "seconds", "CPU s"]))
    print()
    header = [
        "dedupe",
        "seconds",
        "CPU s",
        "docs/s",
        "MB/s",
        "peak RSS MB",
        "kept",
        "vs update_batch",
        "(CPU)",
    ]
    print(table(dedupe_runs(corpus, count, jobs, rounds), header))
    print()
    startup = startup_cpu()
    clean = clean_runs(texts, text_bytes, jobs, startup)
    if large_text_files:
        clean += large_clean_runs(count, folder, large_text_files, jobs, startup)
    if pages.is_dir():
        clean += html_runs(pages, jobs, startup)
    print(table(clean, CLEAN_HEADER))


if __name__ == "__main__":
    main()
