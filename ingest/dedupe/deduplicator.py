"""The dedupe engine: exact and near-duplicate detection (MinHash LSH) across all sources.

Passes over a spool of the input: (1) count in how many documents each line (per site) and
each sentence (per site, or across the input when a record has no URL) appears, so that a
site's frame does not make different stories look alike (``common.py``); (2) sign each
document: an exact hash of its normalized text and a MinHash signature of the shingles of its
story, its text without the frame; (3) cluster: exact groups, then LSH candidates (band keys
computed a band at a time) verified by their re-estimated similarity, and near a cut by the
exact shingle sets (read back from the spool), union-find, and each member assigned to a
kept centre it resembles itself; (4) read the spool again and write the records in input
order. Passes (1) and (2) are per-document work (``work.py``), run a chunk of documents at a
time by ``jobs`` worker processes (``parallel.map_chunks``), with the same results for any
number. Memory holds signatures and a few numbers per document in numpy arrays, and the
ids in one packed buffer.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ..checks import (
    PICKLING_ERRORS,
    check_config,
    check_flag,
    check_jobs,
    checked_records,
    first_unpicklable,
)
from ..parallel import map_chunks, workers
from ..record import Record
from ..spool import Spool, SpoolSlice
from .cluster import (
    Judge,
    Similarity,
    UnionFind,
    assign_centres,
    candidate_pairs,
    equal_runs,
    exact_similarity,
)
from .common import CommonParts, KeyCounter, members
from .config import DEFAULT_CONFIG, DedupeConfig, DedupeStats
from .index import IndexEntries, load_index, save_index
from .minhash import SCHEME, optimal_bands
from .shingles import normalize_for_shingles, sentence_pieces, shingles
from .work import (
    LayoutRef,
    Note,
    Placed,
    Seen,
    Signed,
    Signing,
    Survey,
    close_layouts,
    encode_annotated,
    layout_run,
    slices,
)

T = TypeVar("T")
R = TypeVar("R")

# LSH is tuned below the threshold and towards recall (false negatives weigh four times
# false positives): verification removes what it lets in, but cannot find what it misses.
LSH_THRESHOLD_FACTOR = 0.6
LSH_WEIGHTS = (0.2, 0.8)
GROWTH = 4096
# Documents per chunk of per-document work: large enough that a numpy call covers many
# documents and pickling costs little against the work, small enough to stream.
# (Pass 2 takes pass 1's chunks: their layouts are written and read a chunk at a time.)
WORK_CHUNK = 256
EMIT_CHUNK = 512
# Shingle sets kept for exact checks: a cluster's kept record is compared with many others.
SHINGLE_CACHE = 1024
# Documents' keys read back at a time when looking for the common sentences.
KEY_BLOCK = 1 << 16
EVIDENCE_SAMPLE = 5


@dataclass(frozen=True, slots=True)
class Decision:
    """A duplicate: the record kept for its cluster (a global index), and how alike."""

    kept: int
    similarity: float
    exact: bool
    evidence: dict[str, Any] | None = None


COLUMNS = ("signatures", "sizes", "exact", "lengths", "richness", "framed")


class _Table:
    """Per-document numbers in numpy arrays that grow by doubling, and the ids packed in
    one buffer: all dedupe remembers of a document, with no Python object per document."""

    def __init__(self, num_perm: int) -> None:
        self.signatures = np.zeros((GROWTH, num_perm), dtype=np.uint32)
        self.sizes = np.zeros(GROWTH, dtype=np.int32)
        self.exact = np.zeros(GROWTH, dtype=np.uint64)
        self.lengths = np.zeros(GROWTH, dtype=np.int64)
        self.richness = np.zeros(GROWTH, dtype=np.int32)
        self.framed = np.zeros(GROWTH, dtype=bool)  # compared on its story, not its full text
        self.ids = PackedStrings()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def extend(self, signed: Signed) -> None:
        """Append a chunk of documents (``work.Signing``'s result; without ids, lengths and
        richness, ``seen`` gives them)."""
        n, added = self._count, len(signed.sizes)
        while n + added > len(self.sizes):
            for name in COLUMNS:
                column = getattr(self, name)
                setattr(self, name, np.resize(column, (2 * len(column), *column.shape[1:])))
        for name in COLUMNS:
            values = getattr(signed, name)
            if values is not None:
                getattr(self, name)[n : n + added] = values
        for record_id in signed.ids or ():
            self.ids.append(record_id)
        self._count += added

    def seen(self, ids: PackedStrings, lengths: np.ndarray, richness: np.ndarray) -> None:
        """Every document's id, text length and richness, as pass 1 learnt them."""
        self.ids = ids
        self.lengths[: len(lengths)] = lengths
        self.richness[: len(richness)] = richness

    def add(self, record_id: str, values: dict[str, Any]) -> None:
        """Append one document's columns (the Spark engine's features of it)."""
        row = {name: np.asarray([values[name]]) for name in COLUMNS}
        self.extend(Signed(ids=[record_id], **row))

    def reserve(self, count: int) -> None:
        """Room for ``count`` documents in all: the table is not copied as it grows."""
        if count > len(self.sizes):
            for name in COLUMNS:
                column = getattr(self, name)
                # Zeros, not np.resize's repeated copies: pages untouched until a row is
                # written are not resident (nor in the workers forked meanwhile).
                larger = np.zeros((count, *column.shape[1:]), dtype=column.dtype)
                larger[: self._count] = column[: self._count]
                setattr(self, name, larger)

    def trim(self) -> None:
        for name in COLUMNS:
            setattr(self, name, getattr(self, name)[: self._count])


class PackedStrings:
    """Strings in one UTF-8 buffer with their end offsets: about 8 bytes a string more than
    its text, where a list of ``str`` costs some 60 bytes more."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ends = array("Q")

    def __len__(self) -> int:
        return len(self._ends)

    def append(self, text: str) -> None:
        self._buffer += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._buffer))

    def __getitem__(self, position: int) -> str:
        start = self._ends[position - 1] if position else 0
        return self._buffer[start : self._ends[position]].decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))


class _Sites:
    """The site (``metadata.url`` host, or ``""``) of each document: 4 bytes a document."""

    def __init__(self) -> None:
        self._of = array("I")
        self._names: list[str] = []
        self._numbers: dict[str, int] = {}

    def add(self, site: str) -> str:
        number = self._numbers.setdefault(site, len(self._names))
        if number == len(self._names):
            self._names.append(site)
        self._of.append(number)
        return site

    def of(self, position: int) -> str:
        return self._names[self._of[position]]


class _KeyFile:
    """An array of keys a document from pass 1 (its lines' keys, its sentences' keys), in a
    temporary file (8 bytes a key on disk, 8 bytes a document in memory), read back in order
    by the later passes instead of normalizing and hashing every line again."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._ends = array("Q")

    def extend(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """The keys of several documents end to end, and how many are each one's."""
        start = self._ends[-1] if self._ends else 0
        self._file.write(keys.astype(np.uint64, copy=False).tobytes())
        self._ends.frombytes((start + 8 * np.cumsum(counts, dtype=np.uint64)).tobytes())

    def blocks(self, size: int = KEY_BLOCK) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """``size`` documents at a time: the first one's position, their keys end to end,
        and each one's count."""
        self._file.flush()
        self._file.seek(0)
        ends = np.frombuffer(self._ends, dtype=np.uint64) if self._ends else np.zeros(0, np.uint64)
        start = 0
        for first in range(0, len(ends), size):
            block = ends[first : first + size]
            data = self._file.read(int(block[-1]) - start)
            counts = (np.diff(block, prepend=np.uint64(start)) // np.uint64(8)).astype(np.int64)
            yield first, np.frombuffer(data, dtype=np.uint64), counts
            start = int(block[-1])
        self._file.seek(0, 2)

    def block(self, first: int, count: int) -> tuple[int, np.ndarray, np.ndarray]:
        """Documents ``first`` to ``first + count - 1``: as ``blocks`` gives them."""
        self._file.flush()
        start = self._ends[first - 1] if first else 0
        ends = np.frombuffer(self._ends, dtype=np.uint64)[first : first + count]
        end = int(ends[-1]) if count else start
        self._file.seek(start)
        data = self._file.read(end - start)
        self._file.seek(0, 2)
        counts = (np.diff(ends, prepend=np.uint64(start)) // np.uint64(8)).astype(np.int64)
        return first, np.frombuffer(data, dtype=np.uint64), counts

    def close(self) -> None:
        self._file.close()


class _LayoutFiles:
    """Pass 1's layout of each document (``work.Seen``) as pass 2 reads it back: its lines'
    numbers of words and its number of words, for ``CommonParts.needs_text``, in the main
    process (a temporary file and 8 bytes a document); its words' hashes and its sentences'
    layout stay in the files of the processes that made them (``work.write_layouts``, shared
    files of the ``run``): this holds where each chunk's are."""

    def __init__(self) -> None:
        self.run = layout_run()
        self._line_words = _KeyFile()
        self._word_counts = array("q")
        self._chunks: list[tuple[int, LayoutRef | None]] = []  # (documents, where)

    def extend(self, seen: Seen) -> None:
        self._line_words.extend(seen.line_words.astype(np.uint64), seen.line_counts)
        self._word_counts.frombytes(seen.word_counts.astype(np.int64).tobytes())
        self._chunks.append((len(seen.word_counts), seen.layouts))

    def blocks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray, LayoutRef | None]]:
        """Pass 1's chunks in order: each one's first document, its lines' numbers of words
        (as ``int64``), its documents' numbers of words, and where its layouts are."""
        word_counts = np.frombuffer(self._word_counts, dtype=np.int64)
        first = 0
        for documents, where in self._chunks:
            _, line_words, _ = self._line_words.block(first, documents)
            yield first, line_words.view(np.int64), word_counts[first : first + documents], where
            first += documents

    def close(self) -> None:
        self._line_words.close()
        close_layouts(self.run)


class Deduplicator:
    """Runs dedupe over records; afterwards holds the clusters and the numbers.

    .. code-block:: python

        deduplicator = Deduplicator(DedupeConfig(keep="longest"))
        for record in deduplicator.run(read_records(["corpus/"])):
            ...
        print(deduplicator.stats.summary())

    Documents are numbered globally: first the entries of the ``--index`` archive, then the
    input in order (``position`` below is an input document's number among the input).
    """

    def __init__(
        self,
        config: DedupeConfig = DEFAULT_CONFIG,
        index_path: str | os.PathLike[str] | None = None,
        evidence: bool = True,
        jobs: int = 1,
    ) -> None:
        check_config("Deduplicator", config, DedupeConfig)
        check_jobs("Deduplicator", jobs)
        check_flag("Deduplicator", "evidence", evidence)
        self.config = config
        self.index_path = None if index_path is None else os.fspath(index_path)
        self.jobs = jobs  # worker processes for the per-document passes (``parallel.py``)
        # The evidence of near copies for clusters(): the exact shingle sets of both texts,
        # read back and shingled again (a sixth of a run's time); the CLI asks for it only
        # with --clusters.
        self.evidence = evidence
        self.bands, self.rows = optimal_bands(
            round(config.threshold * LSH_THRESHOLD_FACTOR, 2), config.num_perm, *LSH_WEIGHTS
        )
        self.stats = DedupeStats()
        self.archive = IndexEntries.empty(config.num_perm)
        if self.index_path:
            from ..io.outputs import check_output_folder

            check_output_folder(self.index_path)  # now, not at save_index() after the run
            self.archive = load_index(self.index_path, self._index_parameters())
        self._ran = False
        self.duplicates: dict[int, Decision] = {}  # input position -> decision
        self._table = _Table(config.num_perm)
        self._common = CommonParts.none()
        self._sites = _Sites()  # each input document's site, learnt in pass 1
        self._units = array("B")  # 1: shingled by character (unspaced script)
        # Pass 1's exact hash and length of each document's normalized text.
        self._exact_hashes, self._lengths = array("Q"), array("q")
        self._laid_out = array("B")  # 1: pass 1 kept the document's layout (ChunkLayout)
        # Pass 1's ids, text lengths and metadata richness, for pass 2 to sign a document
        # from its layout alone (without reading its record back).
        self._seen_ids = PackedStrings()
        self._text_lengths, self._richness = array("q"), array("i")
        # Open during a run's passes: what pass 1 learnt of each document's lines, sentences
        # and words (``work.Seen``), read back by the later passes.
        self._line_keys: _KeyFile | None = None
        self._sentence_keys: _KeyFile | None = None
        self._layout_files: _LayoutFiles | None = None
        self._spool: Spool | None = None  # open while clustering: texts for exact checks
        self._shingle_cache: OrderedDict[int, set[bytes]] = OrderedDict()

    def _index_parameters(self) -> dict[str, Any]:
        c = self.config
        return {
            "num_perm": c.num_perm,
            "seed": c.seed,
            "ngram": c.ngram,
            "shingle": c.shingle,
            "scheme": SCHEME,
            # Signatures leave out what a run takes for a site's frame: compare only with an
            # archive that left out frames by the same rule.
            "common_lines": c.common_lines,
            "common_sentences": c.common_sentences,
        }

    def run(self, records: Iterable[Record]) -> Iterator[Record]:
        """The records, without duplicates (or all of them, marked, with ``mark``).

        With an index, call ``save_index()`` once the output is safely written: saved before,
        a failed write would leave the records in the index and a retry would drop them all.
        A ``Deduplicator`` runs once (``RuntimeError`` on a second call): it holds that run's
        clusters and numbers.
        """
        self._start("run")
        return self._run(records)

    def _start(self, method: str) -> None:
        if self._ran:
            raise RuntimeError(
                f"Deduplicator.{method}: this Deduplicator has run already (it holds that "
                "run's clusters and stats); make a new one for each run (index_path= drops "
                "what an earlier run kept)"
            )
        self._ran = True

    def _run(self, records: Iterable[Record]) -> Iterator[Record]:
        with Spool() as spool, workers(self.jobs):
            self._prepare(spool, checked_records(records, "Deduplicator.run"))
            yield from self._emit(spool)

    def run_lines(self, records: Iterable[Record]) -> Iterator[bytes]:
        """``run``'s records as their JSONL lines (``io.encode_line``), encoded by the
        workers: with ``jobs`` above 1, the main process only writes them out."""
        self._start("run_lines")
        return self._run_lines(records)

    def _run_lines(self, records: Iterable[Record]) -> Iterator[bytes]:
        from ..io.outputs import encode_line

        with Spool() as spool, workers(self.jobs):
            self._prepare(spool, checked_records(records, "Deduplicator.run_lines"))
            if self.jobs <= 1:
                yield from map(encode_line, self._emit(spool))
                return
            for lines in self._map(encode_annotated, self._annotated_slices(spool), 1):
                yield from lines

    def _prepare(self, spool: Spool, records: Iterable[Record]) -> None:
        """Spool the records, sign them and decide the duplicates: all but the output."""
        self._line_keys, self._sentence_keys = _KeyFile(), _KeyFile()
        self._layout_files = _LayoutFiles()
        try:
            self._common = self._common_parts(spool, records)
            _release_free_memory()
            self._table.reserve(len(spool))
            self._signatures(spool)
        finally:
            self._line_keys.close()
            self._sentence_keys.close()
            self._layout_files.close()
            self._line_keys = self._sentence_keys = self._layout_files = None
        self._table.trim()
        self._spool = spool
        self._decide()
        self._spool = None
        self._shingle_cache.clear()

    def save_index(self) -> None:
        """Save the index with what this run kept added (atomically)."""
        if self.index_path:
            save_index(self.index_path, self._kept_entries(), self._index_parameters())

    # -- pass 1 and 2 -------------------------------------------------------------------

    def _common_parts(self, spool: Spool, records: Iterable[Record]) -> CommonParts:
        """The lines and sentences that repeat across the input: sites' frames."""
        lines, sentences = KeyCounter(), KeyCounter()
        count_lines, count_sentences = self.config.common_lines, self.config.common_sentences
        run = None if self._layout_files is None else self._layout_files.run
        survey = Survey(self.config.shingle, bool(count_lines), bool(count_sentences), run)
        # Pass 1 reads the spooled pickles (at one job too), not the records pickled again.
        spooled = self._spool_each(spool, records)
        if self.jobs > 1:
            # Workers read each chunk's records from the spool themselves: a few bytes
            # through the pipe for a chunk, not each record's pickle.
            surveyed = self._map(survey, self._spooled_chunks(spool, spooled), 1)
        else:
            surveyed = self._map(survey, spooled, WORK_CHUNK)
        for seen in surveyed:
            self._remember(seen)
            lines.add(seen.lines)
            sentences.add(seen.sentences)
        common = CommonParts(
            lines.at_least(count_lines), sentences.at_least(count_sentences), self.config.ngram
        )
        if len(common.sentences):
            common.variants = self._common_shingles(spool, common)
        return common

    def _spool_each(self, spool: Spool, records: Iterable[Record]) -> Iterator[bytes]:
        """Spool ``records``, yielding each one's pickle as it is written: what pass 1 reads
        (not the record itself, which a caller's generator may change in place before the
        chunk is read: one ``Record`` given again and again with new values). A record
        that cannot be pickled (a lambda in its metadata) is a ``TypeError`` naming it and
        the key, at any number of jobs: the spool pickles every record."""
        for record in records:
            try:
                pickled = spool.append(record)
            except PICKLING_ERRORS:
                problem = first_unpicklable([record])
                if problem is None:
                    raise
                raise TypeError(f"Deduplicator: {problem}") from None
            yield pickled

    def _spooled_chunks(self, spool: Spool, spooled: Iterator[bytes]) -> Iterator[SpoolSlice]:
        """The spooled records, ``WORK_CHUNK`` at a time, as where they are in the spool."""
        while chunk := list(itertools.islice(spooled, WORK_CHUNK)):
            end = len(spool)
            yield spool.slice(range(end - len(chunk), end))

    def _remember(self, seen: Seen) -> None:
        """What pass 1 learnt of a chunk of documents, by position, for the later passes."""
        for site in seen.sites:
            self._sites.add(site)
        self._units.frombytes(seen.by_char.tobytes())
        self._exact_hashes.frombytes(seen.exact.tobytes())
        self._lengths.frombytes(seen.lengths.tobytes())
        if self._line_keys is not None and self._sentence_keys is not None:
            self._line_keys.extend(seen.line_order, seen.line_counts)
            self._sentence_keys.extend(seen.sentence_order, seen.sentence_counts)
        if self._layout_files is not None:
            self._laid_out.frombytes(seen.laid_out.tobytes())
            self._layout_files.extend(seen)
            for record_id in seen.ids:
                self._seen_ids.append(record_id)
            self._text_lengths.frombytes(seen.text_lengths.astype(np.int64).tobytes())
            self._richness.frombytes(seen.richness.astype(np.int32).tobytes())

    def _learn(self, records: Sequence[Record]) -> list[tuple[set[int], set[int]]]:
        """Pass 1 for documents: their sites and shingle units (remembered by position), and
        each one's keys of its lines and of its sentences to count (none when a count is
        off). The Spark engine's entry (engine_api.py), a batch at a time as ``run`` reads
        a chunk at a time."""
        c = self.config
        seen = Survey(c.shingle, bool(c.common_lines), bool(c.common_sentences))(records)
        self._remember(seen)
        lines = slices(seen.line_order, seen.line_counts)
        sentences = slices(seen.sentence_order, seen.sentence_counts)
        return [
            (set(k.tolist()) - {0}, set(s.tolist())) for k, s in zip(lines, sentences, strict=True)
        ]

    def _common_shingles(self, spool: Spool, common: CommonParts) -> np.ndarray:
        """Sorted hashes of the shingles of the common sentences. Each is shingled once (for
        each shingle unit), from the first document that holds it: the documents' sentence
        keys from pass 1 tell which, and only those documents are read back and split."""
        assert self._sentence_keys is not None
        units = np.frombuffer(self._units, dtype=np.uint8)
        found = KeyCounter()
        done = [np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint64)]  # sorted, by unit
        for first, keys, counts in self._sentence_keys.blocks():
            documents = np.repeat(np.arange(first, first + len(counts)), counts)
            held = members(keys, common.sentences)
            for unit, shingled in enumerate(done):
                mine = held & (units[documents] == unit)
                fresh, at = np.unique(keys[mine], return_index=True)  # each one's first
                new = ~members(fresh, shingled) if len(shingled) else np.ones(len(fresh), bool)
                holders = documents[mine][at[new]]
                for position in np.unique(holders).tolist():
                    wanted = np.sort(fresh[new][holders == position])
                    found.add(self._shingles_of_common(spool, common, position, wanted))
                done[unit] = np.union1d(shingled, fresh[new])
        return found.at_least(1)

    def _shingles_of_common(
        self, spool: Spool, common: CommonParts, position: int, wanted: np.ndarray
    ) -> np.ndarray:
        text = spool.read(position).text
        site, unit = self._sites.of(position), self._unit(position)
        return common.shingles_of_common(sentence_pieces(text), site, unit, wanted)

    def _signatures(self, spool: Spool) -> None:
        """Pass 2: every document's signature, a chunk of documents at a time."""
        c = self.config
        signing = Signing(self._common, c.ngram, c.num_perm, c.seed)
        for signed in self._map(signing, self._placed(spool), 1):
            self._table.extend(signed)
        lengths = np.frombuffer(self._text_lengths, dtype=np.int64)
        self._table.seen(self._seen_ids, lengths, np.frombuffer(self._richness, np.int32))

    def _map(self, function: Callable[[list[T]], R], items: Iterable[T], size: int) -> Iterator[R]:
        return map_chunks(function, items, self.jobs, size)

    def _placed(self, spool: Spool) -> Iterator[Placed]:
        """Pass 1's chunks again, with what pass 1 learnt of their documents, and the records
        whose text is needed (their pickles when workers sign them)."""
        assert self._line_keys is not None and self._sentence_keys is not None
        assert self._layout_files is not None
        exact = np.frombuffer(self._exact_hashes, dtype=np.uint64)
        lengths = np.frombuffer(self._lengths, dtype=np.int64)
        laid_out = np.frombuffer(self._laid_out, dtype=np.uint8)
        for first, line_words, word_counts, where in self._layout_files.blocks():
            count = len(word_counts)
            (_, keys, counts), (_, sentences, sentence_counts) = (
                self._line_keys.block(first, count),
                self._sentence_keys.block(first, count),
            )
            span = range(first, first + count)
            sites = [self._sites.of(position) for position in span]
            sited = np.array([bool(site) for site in sites], dtype=bool)
            needed = (laid_out[first : first + count] == 0) | self._common.needs_text(
                keys, line_words, counts, sited, word_counts
            )
            yield Placed(
                records=[
                    self._spooled(spool, position) if need else None
                    for position, need in zip(span, needed.tolist(), strict=True)
                ],
                sites=sites,
                units=[self._unit(position) for position in span],
                line_keys=keys,
                line_counts=counts,
                exact=exact[first : first + count],
                lengths=lengths[first : first + count],
                line_words=line_words,
                sentence_keys=sentences,
                sentence_counts=sentence_counts,
                laid_out=laid_out[first : first + count],
                layouts=where,
                run=self._layout_files.run,
            )

    def _spooled(self, spool: Spool, position: int) -> Record | bytes:
        """A spooled record, as its pickle when a worker takes it."""
        return spool.pickle(position) if self.jobs > 1 else spool.read(position)

    def _variant_keys(self, common: CommonParts, record: Record, position: int) -> set[int]:
        """Hashes of the shingles of one document's common sentences."""
        site, unit = self._sites.of(position), self._unit(position)
        return set(common.common_shingles(record.text, site, unit).tolist())

    def _unit(self, position: int) -> str:
        return "char" if self._units[position] else "word"

    def _compared_shingles(self, record: Record, position: int) -> set[bytes]:
        """The shingles a document is compared by (of its story, or else of its full text, as
        signed by ``work.Signing``), spelled out: for the exact checks and the evidence."""
        normalized = normalize_for_shingles(record.text)
        site, unit = self._sites.of(position), self._unit(position)
        compared, _ = self._common.compared(record.text, site, unit, len(normalized), normalized)
        return shingles(compared, self.config.ngram, unit)

    def _sign(self, records: Sequence[Record], first: int) -> None:
        """Pass 2 for documents ``first``, ``first + 1``... (the Spark engine's entry; ``run``
        signs the spool in chunks)."""
        c = self.config
        span = range(first, first + len(records))
        placed = Placed(records, [self._sites.of(p) for p in span], [self._unit(p) for p in span])
        self._table.extend(Signing(self._common, c.ngram, c.num_perm, c.seed)([placed]))

    def _shingles_of(self, index: int) -> set[bytes] | None:
        """The compared shingles of document ``index``, read back from the spool (``None``
        for an ``--index`` entry, whose text is not at hand)."""
        position = index - len(self.archive)
        if position < 0 or self._spool is None:
            return None
        cache = self._shingle_cache
        if position in cache:
            cache.move_to_end(position)
            return cache[position]
        grams = self._compared_shingles(self._spool.read(position), position)
        cache[position] = grams
        if len(cache) > SHINGLE_CACHE:
            cache.popitem(last=False)
        return grams

    def _exact(self, a: int, b: int) -> Similarity | None:
        first, second = self._shingles_of(a), self._shingles_of(b)
        if first is None or second is None:
            return None
        return exact_similarity(first, second)[0]

    # -- clustering ---------------------------------------------------------------------

    def _column(self, name: str) -> np.ndarray:
        """A column over all documents, archive first (no copy when there is no archive)."""
        ours = getattr(self._table, name)
        if not len(self.archive):
            return ours
        return np.concatenate([getattr(self.archive, name), ours])

    def _priority(self, index: int) -> tuple:
        """Sort key of the keep rule: archive entries first, then by the rule, then by id."""
        offset = len(self.archive)
        if index < offset:
            return (0, index)
        i, table = index - offset, self._table
        rule = {
            "first": 0,
            "longest": -int(table.lengths[i]),
            "metadata": -int(table.richness[i]),
        }[self.config.keep]
        tie = table.ids[i] if self.config.keep != "first" else ""
        return (1, rule, tie, i)

    def _judge(self) -> Judge:
        sizes, exact = self._column("sizes"), self._column("exact")
        return Judge(self._column("signatures"), sizes, exact, self.config.threshold, self._exact)

    def _decide(self) -> None:
        judge = self._judge()
        union = UnionFind()
        comparable = judge.sizes > 0
        active = self._union_exact_groups(union, judge.hashes, comparable) & comparable
        pairs = candidate_pairs(judge.signatures, active, self.bands, self.rows)
        self._decide_graph(union, judge, pairs)

    def _decide_graph(self, union: UnionFind, judge: Judge, pairs: np.ndarray) -> None:
        """The verified edges among candidate ``pairs`` (after the exact groups, in
        ``union``), then the duplicates of each component. Components are decided apart
        from each other: the Spark engine calls this a component at a time (engine_api.py)."""
        exact = judge.hashes

        def similarity_to(a: int, b: int) -> float:
            pair = judge.similarity(a, b)
            return pair.score(self.config.threshold) or pair.closeness()

        for a, b in judge.verified_edges(pairs, union.connected):
            union.link(a, b)
        offset = len(self.archive)
        for component in union.components():
            decided = assign_centres(
                component, self._priority, judge.score, similarity_to, union.neighbours
            )
            for member, (centre, value) in decided.items():
                if member >= offset:
                    exact_copy = bool(exact[member] == exact[centre])
                    evidence = None
                    if self.evidence and not exact_copy:
                        evidence = self._evidence(member, centre, judge)
                    self.duplicates[member - offset] = Decision(centre, value, exact_copy, evidence)
        self._count()

    def _evidence(self, member: int, centre: int, judge: Judge) -> dict[str, Any]:
        """Why ``member`` is a copy of ``centre``: what they share, measured exactly when
        both texts are at hand (estimated from the signatures against an ``--index``)."""
        first, second = self._shingles_of(member), self._shingles_of(centre)
        if first is None or second is None:
            estimate = judge.similarity(member, centre)
            return {
                "measured": "estimated",
                "jaccard": round(estimate.jaccard, 4),
                "containment": round(estimate.overlap, 4),
                "size_ratio": round(estimate.ratio, 4),
            }
        similarity, shared = exact_similarity(first, second)
        # Both texts are at hand, so both are input documents: the archive has no such column.
        framed = self._table.framed
        offset = len(self.archive)
        return {
            "measured": "exact",
            "jaccard": round(similarity.jaccard, 4),
            "containment": round(similarity.overlap, 4),
            "size_ratio": round(similarity.ratio, 4),
            "shared_shingles": len(shared),
            "shingles": [len(first), len(second)],
            "compared": ["story" if framed[i - offset] else "full text" for i in (member, centre)],
            "sample": sorted(g.decode("utf-8", "surrogatepass") for g in shared)[:EVIDENCE_SAMPLE],
        }

    def _union_exact_groups(
        self, union: UnionFind, exact: np.ndarray, comparable: np.ndarray | None = None
    ) -> np.ndarray:
        """Join exact copies among ``comparable`` documents (those with shingles, when the
        caller has not said); returns which documents stand for their group in the LSH."""
        representatives = np.ones(len(exact), dtype=bool)
        if comparable is None:
            comparable = self._column("sizes") > 0
        for group in _exact_groups(exact, comparable):
            best = min(group, key=self._priority)
            for member in group:
                if member != best:
                    union.link(best, member)
                    representatives[member] = False
        return representatives

    def _count(self) -> None:
        self.stats.records = len(self._table)
        for decision in self.duplicates.values():
            if decision.exact:
                self.stats.exact += 1
            else:
                self.stats.near += 1
            if decision.kept < len(self.archive):
                self.stats.against_index += 1

    # -- output -------------------------------------------------------------------------

    def record_id(self, index: int) -> str:
        offset = len(self.archive)
        return self.archive.ids[index] if index < offset else self._table.ids[index - offset]

    def _emit(self, spool: Spool) -> Iterator[Record]:
        for record, note in self._output(iter(spool)):
            record.metadata["dedupe"] = note
            yield record

    def _annotated(self, spool: Spool) -> Iterator[tuple[bytes, dict[str, Any]]]:
        """The spooled pickles of the output's records, each with its ``metadata.dedupe``."""
        return self._output(spool.pickles())

    def _annotated_slices(self, spool: Spool) -> Iterator[tuple[SpoolSlice, list[Note]]]:
        """The output's records, ``EMIT_CHUNK`` at a time, as where they are in the spool,
        with each one's ``metadata.dedupe``: a worker reads and encodes them."""
        positions = itertools.count()
        chunk: list[int] = []
        notes: list[Note] = []
        for position, note in self._output(positions, len(spool)):
            chunk.append(position)
            notes.append(note)
            if len(chunk) == EMIT_CHUNK:
                yield spool.slice(chunk), notes
                chunk, notes = [], []
        if chunk:
            yield spool.slice(chunk), notes

    def _output(
        self, spooled: Iterator[T], count: int | None = None
    ) -> Iterator[tuple[T, dict[str, Any]]]:
        """The spooled items that go out (all with ``mark``), each with its annotation."""
        offset = len(self.archive)
        if count is not None:
            spooled = itertools.islice(spooled, count)
        for position, item in enumerate(spooled):
            decision = self.duplicates.get(position)
            if decision is not None and not self.config.mark:
                continue
            kept = decision.kept if decision else offset + position
            yield item, annotation(self.record_id(kept), decision)

    def clusters(self) -> Iterator[dict[str, Any]]:
        """One entry per cluster that has duplicates: the kept record first, then copies."""
        members: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for position, decision in sorted(self.duplicates.items()):
            member = {
                "id": self._table.ids[position],
                "similarity": round(decision.similarity, 4),
                "kind": "exact" if decision.exact else "near",
            }
            if decision.evidence:
                member["evidence"] = decision.evidence
            members[decision.kept].append(member)
        for kept in sorted(members):
            kind = "indexed" if kept < len(self.archive) else "kept"
            head = {"id": self.record_id(kept), "similarity": 1.0, "kind": kind}
            yield {
                "cluster": head["id"],
                "size": 1 + len(members[kept]),
                "members": [head, *members[kept]],
            }

    def _kept_entries(self) -> IndexEntries:
        table = self._table
        kept = np.ones(len(table), dtype=bool)
        kept[list(self.duplicates)] = False
        return IndexEntries(
            ids=[*self.archive.ids, *(i for i, k in zip(table.ids, kept, strict=True) if k)],
            signatures=np.concatenate([self.archive.signatures, table.signatures[kept]]),
            sizes=np.concatenate([self.archive.sizes, table.sizes[kept]]),
            exact=np.concatenate([self.archive.exact, table.exact[kept]]),
        )


def _release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``), once pass 1's
    counters are gone: chunks unpickled by the pool's result thread live in a heap arena of
    their own, which glibc does not shrink by itself (some 200 MB at a million documents),
    and the workers forked for pass 2 would each map them again."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def annotation(kept_id: str, decision: Decision | None) -> dict[str, Any]:
    """``metadata.dedupe`` of a record: its cluster, whose copy it is, and how alike."""
    return {
        "cluster": kept_id,
        "duplicate_of": kept_id if decision else "",
        "similarity": round(decision.similarity, 4) if decision else 1.0,
    }


def _exact_groups(exact: np.ndarray, comparable: np.ndarray) -> Iterator[list[int]]:
    """Documents with the same exact hash, two or more, in index order within a group;
    only ``comparable`` ones: texts with nothing to compare (empty, whitespace or
    punctuation only) are copies of nothing, each kept with its own metadata."""
    order = np.flatnonzero(comparable)
    order = order[np.argsort(exact[order], kind="stable")]
    for start, end in equal_runs(exact[order]):
        yield order[start:end].tolist()
