"""The ``ingest`` command line: parses options and calls the library; no logic of its own."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import click

from . import __version__
from .clean import CleanConfig, clean_records
from .encoding import normalize_encoding_name
from .errors import IngestError, InputError
from .io import read_records, write_records
from .record import Record
from .split import SplitConfig, split_records

Stage = Callable[[Iterable[Record]], Iterator[Record]]
PROGRESS_INTERVAL_S = 0.5
EXIT_INTERRUPTED = 130


@dataclass
class RunOptions:
    """Options every command shares: where records come from and where they go."""

    inputs: tuple[str, ...]
    encoding: str | None
    strict: bool
    output: str | None
    quiet: bool


@dataclass
class RunStats:
    records_in: int = 0
    records_out: int = 0
    errors: int = 0
    details: list[Callable[[], str]] = field(default_factory=list)


def _check_encoding(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
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
        **kwargs: object,
    ) -> None:
        command(run=RunOptions(inputs, encoding, strict, output, quiet), **kwargs)

    options = (
        click.argument("inputs", nargs=-1, metavar="[INPUT]..."),
        click.option(
            "--encoding",
            metavar="NAME",
            callback=_check_encoding,
            help="Decode raw documents with this codec instead of detecting it.",
        ),
        click.option(
            "--strict", is_flag=True, help="Stop at the first bad input (default: skip it)."
        ),
        click.option(
            "-o",
            "--output",
            metavar="FILE",
            help="Write JSONL to FILE (atomically; .gz/.bz2/.xz/.zst compress). Default: stdout.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr."),
    )
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def execute(
    name: str, stage: Stage, run: RunOptions, details: Callable[[], str] | None = None
) -> None:
    """Read, transform, write; report each bad input, a summary, and the exit code."""
    stats = RunStats(details=[details] if details else [])
    started = time.perf_counter()

    def on_error(error: InputError) -> None:
        stats.errors += 1
        if run.strict:
            raise error
        click.echo(f"ingest: error: {error}", err=True)

    records = _count_in(read_records(run.inputs, encoding=run.encoding, on_error=on_error), stats)
    try:
        stats.records_out = write_records(_progress(stage(records), run.quiet), run.output)
    except IngestError as error:
        click.echo(f"ingest: error: {error}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        # The reader downstream (head, less) has all it wants: stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        click.echo("ingest: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if not run.quiet:
        click.echo(_summary(name, stats, time.perf_counter() - started), err=True)
    sys.exit(1 if stats.errors else 0)


def _count_in(records: Iterable[Record], stats: RunStats) -> Iterator[Record]:
    for record in records:
        stats.records_in += 1
        yield record


def _progress(records: Iterator[Record], quiet: bool) -> Iterator[Record]:
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


def _summary(name: str, stats: RunStats, seconds: float) -> str:
    parts = [
        f"{stats.records_in} in",
        f"{stats.records_out} out",
        f"{stats.errors} error{'s' if stats.errors != 1 else ''}",
    ]
    parts += [detail() for detail in stats.details]
    return f"ingest {name}: {', '.join(p for p in parts if p)} in {seconds:.2f}s"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ingest")
def cli() -> None:
    """Turn messy document dumps into a clean, deduplicated JSONL corpus.

    Every command reads files, folders (recursively), globs or - (stdin; the default),
    as raw documents in any encoding or as JSONL records, compressed or not, and writes
    JSONL records {"id", "text", "source", "metadata"} to stdout or -o FILE.

    \b
    Example:
      ingest clean pages/ | ingest split | ingest dedupe > corpus.jsonl
      ingest run pages/ -o corpus.jsonl.gz
    """


@cli.command()
@common_options
@click.option(
    "--no-repair", is_flag=True, help="Do not repair mojibake (text decoded wrongly before)."
)
@click.option("--keep-entities", is_flag=True, help="Leave HTML entities (&amp;) in plain text.")
@click.option(
    "--no-boilerplate", is_flag=True, help="Keep breadcrumbs, footers, bylines... in the text."
)
@click.option(
    "--repeated-lines",
    type=click.IntRange(min=2),
    metavar="N",
    help="Also remove lines found in N or more documents of the same source (reads twice).",
)
@click.option(
    "--min-items",
    type=click.IntRange(min=2),
    default=2,
    show_default=True,
    help="Stories a page needs to be recorded as a digest (for ingest split).",
)
@click.option(
    "--explain", is_flag=True, help="List what was removed, and why, in metadata.removed."
)
def clean(
    run: RunOptions,
    no_repair: bool,
    keep_entities: bool,
    no_boilerplate: bool,
    repeated_lines: int | None,
    min_items: int,
    explain: bool,
) -> None:
    """Decode documents in any encoding, repair and normalize the text, and strip the site's
    boilerplate (HTML pages: main content; text pages: breadcrumbs, "more" links, footers),
    moving title, date, author and URL into metadata.

    \b
    Example:
      ingest clean samples/ -o clean.jsonl
      ingest clean --explain samples/004_687f5bdfc5dfbd6b.txt
      ingest clean --encoding gb18030 --repeated-lines 5 old-pages/ > clean.jsonl
    """
    config = CleanConfig(
        repair_mojibake=not no_repair,
        unescape_entities=not keep_entities,
        strip_boilerplate=not no_boilerplate,
        min_items=min_items,
        explain=explain,
        repeated_lines=repeated_lines or 0,
    )
    execute("clean", functools.partial(clean_records, config=config), run)


@cli.command()
@common_options
@click.option(
    "--min-items",
    type=click.IntRange(min=2),
    default=2,
    show_default=True,
    help="Stories a page needs to be split.",
)
@click.option(
    "--no-intro", is_flag=True, help="Drop the introduction (text before the first story)."
)
@click.option(
    "--keep-parent", is_flag=True, help="Also write the digest page itself, before its stories."
)
def split(run: RunOptions, min_items: int, no_intro: bool, keep_parent: bool) -> None:
    """Cut digest pages (an introduction, then title + teaser + "more" link, repeated) into
    one record per story: id <page id>#<n>, metadata.title, .parent_id, .part, .role
    ("introduction", "story"), .url. Other documents pass through unchanged.

    \b
    Example:
      ingest clean samples/ | ingest split > stories.jsonl
      ingest split --no-intro digest-pages/ -o stories.jsonl
    """
    config = SplitConfig(min_items=min_items, keep_intro=not no_intro, keep_parent=keep_parent)
    execute("split", functools.partial(split_records, config=config), run)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ingest")
