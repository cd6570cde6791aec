"""The ``ingest`` command line: parses options and calls the library; no logic of its own."""

from __future__ import annotations

import dataclasses
import functools
import os
import signal
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from . import __version__
from .dedupe.config import DEFAULT_CONFIG, KEEP_RULES, MAX_NUM_PERM, MIN_NUM_PERM, MODES
from .errors import IngestError, InputError
from .parallel import default_jobs
from .record import Record

# The stages (and trafilatura, ftfy, bs4, numpy behind them) are imported by the
# command that runs them, not here: `ingest --help` and every process start stay quick.
if TYPE_CHECKING:
    from .clean import CleanConfig
    from .io import InputReport
    from .io.inputs import RawDocument, WorkResult
    from .split import SplitConfig

Stage = Callable[[Iterable[Record]], Iterator[Record]]
# A stage that gives out its records' JSONL lines, encoded where it works (its workers).
LinesStage = Callable[[Iterable[Record]], Iterator[bytes]]
# A stage that reads raw documents and encodes its records where it works (its workers).
EncodedStage = Callable[[Iterable["Record | RawDocument | WorkResult"]], Iterable["WorkResult"]]
T = TypeVar("T")
PROGRESS_INTERVAL_S = 0.5
EXIT_INTERRUPTED = 130
# Signals that end a run the way Ctrl-C does: temporary files removed, old outputs kept.
TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
BUG_HINT = "please report it; INGEST_DEBUG=1 shows the traceback"
NO_INPUT_HINT = "no input: name files, folders or globs, or pipe documents in (- reads stdin)"
EXIT_CODES = """\b
Exit codes:
  0    every input was read and the output written
  1    some input was bad (each said on stderr; the rest was processed),
       or the output could not be written
  2    usage error (an unknown option, no input on a terminal)
  130  interrupted (Ctrl-C); no output file is left half-written
  143  terminated (SIGTERM; 129 for SIGHUP), likewise"""


@dataclass
class RunOptions:
    """Options every command shares: where records come from and where they go."""

    inputs: tuple[str, ...]
    encoding: str | None
    strict: bool
    output: str | None
    quiet: bool
    hidden: bool = False
    # Other files the run writes (--clusters, --index and its lock): like the output, left
    # out of the folders it reads.
    side_outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaterOutput:
    """A file saved only after the output is committed (the dedupe index): saved before, a
    failed write would leave it ahead of the output."""

    path: str
    save: Callable[[], None]


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the run is, so that it ends like Ctrl-C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class RunStats:
    records_in: int = 0
    records_out: int = 0
    errors: int = 0
    details: list[Callable[[], str]] = field(default_factory=list)


def _check_encoding(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from .encoding import normalize_encoding_name

    try:
        return normalize_encoding_name(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}") from None


def common_options(command: Callable[..., None]) -> Callable[..., None]:
    """INPUTS, --encoding, --strict, -o and -q, handed to the command as one ``RunOptions``."""

    @functools.wraps(command)
    def wrapper(
        inputs: tuple[str, ...],
        encoding: str | None,
        strict: bool,
        output: str | None,
        quiet: bool,
        hidden: bool,
        **kwargs: object,
    ) -> None:
        if not inputs and sys.stdin is not None and sys.stdin.isatty():  # None: <&-
            # Waiting silently for a document typed at the terminal looks like a hang.
            raise click.UsageError(NO_INPUT_HINT)
        command(run=RunOptions(inputs, encoding, strict, output, quiet, hidden), **kwargs)

    options = (
        click.argument("inputs", nargs=-1, metavar="[INPUT]..."),
        click.option(
            "--encoding",
            metavar="NAME",
            callback=_check_encoding,
            help="Decode raw documents with this codec instead of detecting it "
            "(a byte order mark still wins, as in a browser).",
        ),
        click.option(
            "--strict", is_flag=True, help="Stop at the first bad input (default: skip it)."
        ),
        click.option(
            "-o",
            "--output",
            metavar="FILE",
            help="Write JSONL to FILE (atomically; .gz/.bz2/.xz/.zst compress; .parquet: Parquet)."
            " Default: stdout.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr."),
        click.option(
            "--hidden", is_flag=True, help="Also read hidden files (.name) found in folders."
        ),
    )
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _output_file_identity(output: str | None) -> tuple[int, int] | None:
    """(device, inode) of the regular file the run's output replaces or is written to (stdout
    redirected to a file too), to leave it out of the folders read; ``None`` if none."""
    if output and output != "-":
        return _file_identity(output)
    try:
        found = os.fstat(sys.stdout.fileno()) if sys.stdout is not None else None
    except (OSError, ValueError, AttributeError):  # a stdout without a descriptor
        return None
    return (found.st_dev, found.st_ino) if found and stat.S_ISREG(found.st_mode) else None


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None  # no file yet: nothing in a folder can be it
    return (found.st_dev, found.st_ino) if stat.S_ISREG(found.st_mode) else None


def _input_that_is_the_output(inputs: Iterable[str], output: str | None) -> str | None:
    """The input argument that names the file ``-o`` names, if one does (written at the end,
    the output would replace it, read or not)."""
    target = _file_identity(output) if output and output != "-" else None
    if target is None:
        return None  # no file yet (or a FIFO, a device): none of the inputs is it
    return next((argument for argument in inputs if _file_identity(argument) == target), None)


def execute(
    name: str,
    stage: Stage,
    run: RunOptions,
    details: Callable[[], str] | None = None,
    later: LaterOutput | None = None,
    encoded: EncodedStage | None = None,
    line_stage: LinesStage | None = None,
) -> None:
    """Read, transform, write; report each bad input, a summary, and the exit code.

    The output is committed (and then ``later``) only if some input could be read and none
    failed after giving out records that may be damaged; else the old files are kept.
    ``encoded``, the same stage with the reading and encoding in its workers, is used for
    JSONL output; else ``line_stage``, the same stage with the encoding in its workers.
    """
    from .io import InputReport, open_output, read_records
    from .io.inputs import STDIN, in_input_order, read_deferred

    ours = [_output_file_identity(run.output), *map(_file_identity, run.side_outputs)]
    report = InputReport(outputs=frozenset(file for file in ours if file is not None))
    stats = RunStats(details=[functools.partial(_skipped, report)])
    stats.details += [details] if details else []
    started = time.perf_counter()

    def on_error(error: InputError) -> None:
        stats.errors += 1
        if run.strict:
            raise error
        click.echo(f"ingest: error: {error}", err=True)

    skipped: Counter[str] = Counter()
    stats.details.insert(0, functools.partial(_skipped_summary, skipped))
    reading: dict[str, Any] = dict(
        encoding=run.encoding, skipped=skipped, hidden=run.hidden, report=report
    )
    inputs = run.inputs or (STDIN,)  # no INPUT: stdin (the library reads nothing of [])
    if (same := _input_that_is_the_output(inputs, run.output)) is not None:
        raise click.UsageError(f"{same} is both an input and the output (-o): it would be lost")
    try:
        with _signals_raise_terminated(), open_output(run.output) as output:
            if encoded is not None and not output.parquet:
                items = encoded(read_deferred(inputs, **reading))
                ordered = in_input_order(items, on_error, report)
                with closing(ordered):  # a failed write stops the workers at once
                    lines = (r.line for r in _count_in(ordered, stats) if r.line)
                    stats.records_out = output.write_lines(_progress(lines, run.quiet))
            else:
                records = _count_in(read_records(inputs, on_error=on_error, **reading), stats)
                if line_stage is not None and not output.parquet:
                    written = line_stage(records)
                    stats.records_out = output.write_lines(_progress(written, run.quiet))
                else:
                    stats.records_out = output.write(_progress(stage(records), run.quiet))
            reason = _reason_to_keep_old_files(report, stats)
            kept = [p for p in (run.output if output.atomic else None, later and later.path) if p]
            if reason is None:
                output.commit()
                if later:
                    later.save()
            elif kept:
                left = " and ".join(kept)
                click.echo(f"ingest: error: {reason}: {left} left as before", err=True)
    except IngestError as error:
        click.echo(f"ingest: error: {error}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        # The reader downstream (head, less) has all it wants: stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as error:  # a full disk, a closed terminal
        click.echo(f"ingest: error: cannot write: {error.strerror or error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        _interrupted()
    except Terminated as signalled:
        click.echo(f"ingest: terminated by {signalled}", err=True)
        sys.exit(128 + signalled.signum)
    except Exception as error:
        # A bug of ours or of a parser on some page: one line, not a traceback to decode.
        if os.environ.get("INGEST_DEBUG"):
            raise
        click.echo(
            f"ingest: error: unexpected {type(error).__name__}: {error} ({BUG_HINT})", err=True
        )
        sys.exit(1)
    if not run.quiet:
        click.echo(_summary(name, stats, time.perf_counter() - started), err=True)
    sys.exit(1 if stats.errors else 0)


def _reason_to_keep_old_files(report: InputReport, stats: RunStats) -> str | None:
    if stats.errors and not report.files_read:
        return "no input could be read"
    if report.damaged:
        return "records of a damaged input may be wrong"
    return None


@contextmanager
def _signals_raise_terminated() -> Iterator[None]:
    def terminate(signum: int, _frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = {}
    for signum in TERMINATING_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:  # nohup: SIGHUP stays ignored
            previous[signum] = signal.signal(signum, terminate)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _skipped(report: InputReport) -> str:
    parts = []
    if report.hidden_skipped:
        parts.append(f"{report.hidden_skipped} hidden (--hidden reads them)")
    if report.special_skipped:
        parts.append(f"{report.special_skipped} FIFOs or devices")
    if report.output_skipped:  # the output, or dedupe's clusters, index or lock
        parts.append(f"{report.output_skipped} of the run's own files")
    return f"{' and '.join(parts)} skipped in folders" if parts else ""


def _count_in(records: Iterable[T], stats: RunStats) -> Iterator[T]:
    for record in records:
        stats.records_in += 1
        yield record


def _progress(records: Iterator[T], quiet: bool) -> Iterator[T]:
    """A running count on stderr, only when a person is watching a terminal."""
    if quiet or not sys.stderr.isatty():
        yield from records
        return
    last = time.monotonic()
    for count, record in enumerate(records, start=1):
        if time.monotonic() - last > PROGRESS_INTERVAL_S:
            last = time.monotonic()
            click.echo(f"\r{count:,} records", err=True, nl=False)
        yield record
    click.echo("\r\x1b[K", err=True, nl=False)


def _skipped_summary(skipped: Counter[str]) -> str:
    """``"4 WARC responses skipped (2 redirect, ...)"``, or ``""`` when none were."""
    if not skipped:
        return ""
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
    total = sum(skipped.values())
    return f"{total} WARC response{'s' if total != 1 else ''} skipped ({reasons})"


def _summary(name: str, stats: RunStats, seconds: float) -> str:
    parts = [
        f"{stats.records_in} in",
        f"{stats.records_out} out",
        f"{stats.errors} error{'s' if stats.errors != 1 else ''}",
    ]
    parts += [detail() for detail in stats.details]
    return f"ingest {name}: {', '.join(p for p in parts if p)} in {seconds:.2f}s"


def options(
    *decorators: Callable[[Callable[..., None]], Callable[..., None]],
) -> Callable[..., Any]:
    """Apply a group of click options, shared by a stage's command and ``ingest run``."""

    def apply(command: Callable[..., None]) -> Callable[..., None]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


JOBS = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="all cores",
    help="Worker processes for the per-document work; 1: none. Output is the same for any N.",
)
MIN_ITEMS = click.option(
    "--min-items",
    type=click.IntRange(min=2),
    default=2,
    show_default=True,
    help="Stories a page needs to be taken for a digest.",
)
clean_options = options(
    click.option(
        "--no-repair", is_flag=True, help="Do not repair mojibake (text decoded wrongly before)."
    ),
    click.option(
        "--keep-entities", is_flag=True, help="Leave HTML entities (&amp;) in plain text."
    ),
    click.option(
        "--no-boilerplate", is_flag=True, help="Keep breadcrumbs, footers, bylines... in the text."
    ),
    click.option(
        "--repeated-lines",
        type=click.IntRange(min=2),
        metavar="N",
        help="Also remove lines found in N or more documents of the same source (reads twice).",
    ),
    click.option(
        "--explain", is_flag=True, help="List what was removed, and why, in metadata.removed."
    ),
    click.option(
        "--drop-empty",
        is_flag=True,
        help="Leave out documents that come out empty (default: keep them, with "
        "metadata.empty_reason; either way they are counted).",
    ),
)
split_options = options(
    click.option(
        "--no-intro", is_flag=True, help="Drop the introduction (text before the first story)."
    ),
    click.option(
        "--keep-parent", is_flag=True, help="Also write the digest page itself, before its stories."
    ),
)
dedupe_options = options(
    click.option(
        "--threshold",
        type=click.FloatRange(0.05, 1.0),
        default=DEFAULT_CONFIG.threshold,
        show_default=True,
        help="Similarity at which two documents are copies (see README: how it was chosen).",
    ),
    click.option(
        "--num-perm",
        type=click.IntRange(MIN_NUM_PERM, MAX_NUM_PERM),
        default=DEFAULT_CONFIG.num_perm,
        show_default=True,
        help="MinHash permutations.",
    ),
    click.option(
        "--ngram",
        type=click.IntRange(min=1),
        default=DEFAULT_CONFIG.ngram,
        show_default=True,
        help="Words (characters in CJK/Thai text) per shingle.",
    ),
    click.option(
        "--shingle",
        type=click.Choice(MODES),
        default=DEFAULT_CONFIG.shingle,
        show_default=True,
        help="Shingle by word or character; auto picks per document.",
    ),
    click.option(
        "--seed",
        type=int,
        default=DEFAULT_CONFIG.seed,
        show_default=True,
        help="Seed of the MinHash permutations.",
    ),
    click.option(
        "--keep",
        type=click.Choice(KEEP_RULES),
        default=DEFAULT_CONFIG.keep,
        show_default=True,
        help="Which copy is kept: first in input order, longest text, most metadata; ties by id.",
    ),
    click.option(
        "--common-lines",
        type=int,
        default=DEFAULT_CONFIG.common_lines,
        show_default=True,
        metavar="N",
        help="Ignore lines in N+ pages of one site (metadata.url host): headers, footers. 0: off.",
    ),
    click.option(
        "--common-sentences",
        type=int,
        default=DEFAULT_CONFIG.common_sentences,
        show_default=True,
        metavar="N",
        help="Ignore sentences in N+ documents of a site (of the input, without a URL): "
        "a frame's furniture. 0: off.",
    ),
    click.option(
        "--mark",
        is_flag=True,
        help="Keep every record, marked in metadata.dedupe, instead of dropping copies.",
    ),
    click.option(
        "--clusters", metavar="FILE", help="Write a JSONL report: one line per cluster of copies."
    ),
    click.option(
        "--index",
        metavar="PATH",
        help="Also drop copies of what an earlier run kept; save what this run keeps.",
    ),
)


def clean_config(option: dict[str, Any]) -> CleanConfig:
    from .clean import CleanConfig

    return CleanConfig(
        repair_mojibake=not option["no_repair"],
        unescape_entities=not option["keep_entities"],
        strip_boilerplate=not option["no_boilerplate"],
        min_items=option["min_items"],
        explain=option["explain"],
        repeated_lines=option["repeated_lines"] or 0,
        drop_empty=option["drop_empty"],
    )


def split_config(option: dict[str, Any]) -> SplitConfig:
    from .split import SplitConfig

    return SplitConfig(
        min_items=option["min_items"],
        keep_intro=not option["no_intro"],
        keep_parent=option["keep_parent"],
    )


def dedupe_stage(
    option: dict[str, Any],
) -> tuple[Stage, LinesStage, Callable[[], str], LaterOutput | None]:
    """The dedupe stage as the CLI runs it (giving out records, or their JSONL lines): with
    its clusters report, its summary, and its index (locked against other runs, saved after
    the output)."""
    from .dedupe import DedupeConfig, Deduplicator, write_clusters
    from .dedupe.index import locked_index
    from .io import check_output_folder

    try:
        config = DedupeConfig(
            threshold=option["threshold"],
            num_perm=option["num_perm"],
            ngram=option["ngram"],
            shingle=option["shingle"],
            seed=option["seed"],
            keep=option["keep"],
            common_lines=option["common_lines"],
            common_sentences=option["common_sentences"],
            mark=option["mark"],
        )
        for path in (option["clusters"], option["index"]):
            if path:
                check_output_folder(path)  # before the work, not after it
        index = option["index"]
        if index and os.path.exists(index) and not os.path.isfile(index):
            # before its lock is made beside it (a FIFO's, a device's: /dev/zero.lock)
            raise IngestError(f"{index}: not a regular file, not a dedupe index")
        if option["index"]:
            click.get_current_context().with_resource(
                locked_index(option["index"], functools.partial(_waiting, option["index"]))
            )
        deduplicator = Deduplicator(
            config,
            index_path=option["index"],
            evidence=bool(option["clusters"]),
            jobs=option["jobs"],
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    except IngestError as error:
        click.echo(f"ingest: error: {error}", err=True)
        sys.exit(1)

    def then_clusters(output: Iterator[T]) -> Iterator[T]:
        """The output, then (once it is all out) the clusters report."""
        yield from output
        if option["clusters"]:
            write_clusters(deduplicator, option["clusters"])

    def stage(records: Iterable[Record]) -> Iterator[Record]:
        return then_clusters(deduplicator.run(records))

    def lines(records: Iterable[Record]) -> Iterator[bytes]:
        return then_clusters(deduplicator.run_lines(records))

    later = LaterOutput(option["index"], deduplicator.save_index) if option["index"] else None
    return stage, lines, deduplicator.stats.summary, later


def _dedupe_files(option: dict[str, Any]) -> tuple[str, ...]:
    """The files dedupe writes besides the output: the clusters report, the index, its lock."""
    index = option["index"]
    return tuple(p for p in (option["clusters"], index, index and f"{index}.lock") if p)


def _waiting(index: str) -> None:
    click.echo(f"ingest: waiting: another run is using {index}", err=True)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.version_option(__version__, prog_name="ingest")
def cli() -> None:
    """Turn messy document dumps into a clean, deduplicated JSONL corpus.

    Every command reads files, folders (recursively), globs or - (stdin; the default),
    as raw documents in any encoding, JSONL records or web archives (.warc), compressed or
    not, and writes JSONL records {"id", "text", "source", "metadata"} to stdout or -o FILE
    (or Parquet: -o corpus.parquet).

    \b
    Example:
      ingest clean pages/ | ingest split | ingest dedupe > corpus.jsonl
      ingest run pages/ -o corpus.jsonl.gz
    """


@cli.command(short_help="Decode, repair and normalize documents; strip site boilerplate.")
@common_options
@clean_options
@MIN_ITEMS
@JOBS
def clean(run: RunOptions, **option: Any) -> None:
    """Decode documents in any encoding, repair and normalize the text, and strip the site's
    boilerplate (HTML pages: main content; RSS/Atom feeds: their items; text pages:
    breadcrumbs, "more" links, footers), moving title, date, author and URL into metadata.
    A document that comes out empty says why in metadata.empty_reason and is counted.

    \b
    Example:
      ingest clean samples/ -o clean.jsonl
      ingest clean --explain samples/004_687f5bdfc5dfbd6b.txt
      ingest clean --encoding gb18030 --repeated-lines 5 old-pages/ > clean.jsonl
    """
    from .clean import CleanStats, clean_encoded, clean_records

    stats = CleanStats()
    config = clean_config(option)
    stage = functools.partial(clean_records, config=config, stats=stats, jobs=option["jobs"])
    encoded = functools.partial(clean_encoded, config=config, stats=stats, jobs=option["jobs"])
    # Repeated lines need every record cleaned before the first is written: in this process.
    execute(
        "clean",
        stage,
        run,
        details=stats.summary,
        encoded=None if config.repeated_lines else encoded,
    )


@cli.command(short_help="Cut digest pages into one record per story.")
@common_options
@split_options
@MIN_ITEMS
@JOBS
def split(run: RunOptions, **option: Any) -> None:
    """Cut digest pages (an introduction, then title + teaser + "more" link, repeated) and
    feeds (one item each) into one record per story: id <page id>#<n>, metadata.title,
    .parent_id, .part, .role ("introduction", "story"), .url. Other documents pass through
    unchanged.

    \b
    Example:
      ingest clean samples/ | ingest split > stories.jsonl
      ingest split --no-intro digest-pages/ -o stories.jsonl
    """
    from .split import split_records

    stage = functools.partial(split_records, config=split_config(option), jobs=option["jobs"])
    execute("split", stage, run)


@cli.command(short_help="Remove exact and near-duplicate copies across sources.")
@common_options
@dedupe_options
@JOBS
@click.option(
    "--engine",
    type=click.Choice(("local", "spark")),
    default="local",
    show_default=True,
    help="Run here, or on Spark (pip install 'ingest[spark]'; JSONL/Parquet files, -o a folder).",
)
@click.option(
    "--master", metavar="URL", help="Spark master (default: spark-submit's, else local[*])."
)
def dedupe(run: RunOptions, engine: str, master: str | None, **option: Any) -> None:
    """Remove exact and near-duplicate documents (MinHash LSH), across all sources, keeping
    one record per story in input order.

    \b
    Example:
      ingest clean pages/ | ingest split | ingest dedupe > corpus.jsonl
      ingest dedupe --mark --clusters clusters.jsonl stories.jsonl -o marked.jsonl
      ingest dedupe --index archive.idx today.jsonl -o new-stories.jsonl
      ingest dedupe --engine spark --master 'local[4]' stories/ -o deduped.jsonl.gz
    """
    if engine == "spark":
        from .dedupe.spark import run_dedupe  # PySpark is imported only when asked for

        run_dedupe(run, option, master)
        return
    if master:
        raise click.UsageError("--master needs --engine spark")
    stage, lines, summary, later = dedupe_stage(option)
    run = dataclasses.replace(run, side_outputs=_dedupe_files(option))
    execute("dedupe", stage, run, details=summary, later=later, line_stage=lines)


@cli.command("run", short_help="The whole chain in one command: clean, split, dedupe.")
@common_options
@clean_options
@MIN_ITEMS
@split_options
@dedupe_options
@JOBS
def run_all(run: RunOptions, **option: Any) -> None:
    """The whole chain in one command: clean, split, dedupe (each stage's options apply).

    \b
    Example:
      ingest run samples/
      ingest run pages/ --keep longest --clusters clusters.jsonl -o corpus.jsonl.gz
    """
    from .clean import CleanStats
    from .split import clean_split_records

    dedupe, dedupe_lines, summary, later = dedupe_stage(option)
    run = dataclasses.replace(run, side_outputs=_dedupe_files(option))
    cleaning, splitting = clean_config(option), split_config(option)
    clean_stats = CleanStats()

    def stories(records: Iterable[Record]) -> Iterator[Record]:
        return clean_split_records(records, cleaning, splitting, option["jobs"], clean_stats)

    def chain(records: Iterable[Record]) -> Iterator[Record]:
        return dedupe(stories(records))

    def chain_lines(records: Iterable[Record]) -> Iterator[bytes]:
        return dedupe_lines(stories(records))

    def details() -> str:
        return ", ".join(part for part in (clean_stats.summary(), summary()) if part)

    execute("run", chain, run, details=details, later=later, line_stage=chain_lines)


def main() -> None:
    """Console-script entry point."""
    try:
        # Not click's standalone mode: it turns a Ctrl-C that comes before a command runs
        # (while options are parsed) into "Aborted!" and exit 1.
        code = cli.main(prog_name="ingest", standalone_mode=False)
    except click.Abort as abort:
        if isinstance(abort.__cause__, KeyboardInterrupt):
            _interrupted()
        click.echo("Aborted!", err=True)  # end of input at a prompt (EOFError)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


def _interrupted() -> NoReturn:
    click.echo("ingest: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)
