"""Dedupe's per-document work, a chunk of records at a time: what the ``-j`` workers run.

Each function maps a list of records (with what the main process learnt of them before) to
numpy arrays or small tuples, and depends on its chunk only: the results are the same
whichever process computes them, and in whatever chunks. They are module-level callables
(frozen dataclasses of settings) so that they cross to the workers by pickle.
"""

from __future__ import annotations

import itertools
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..record import Record, url_host
from ..sharedfile import SharedFile, forget, read_at, through_proc
from ..spool import SpoolSlice
from .common import ChunkLayout, CommonParts
from .layout import NO_KEYS, Reading, exact_hash, read_texts
from .minhash import Signer, fold_many, token_hashes
from .shingles import normalize_for_shingles

# What pass 2 has of a document from pass 1's layout: its compared words and whether they
# are its story (``CommonParts.chunk_stories``), or nothing (its text decides).
Story = tuple[np.ndarray, bool] | None
# What pass 1 made of a document's normalized text: its exact hash and its length.
Known = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Seen:
    """Pass 1 of a chunk of documents, as arrays (one entry a document, or keys end to end
    with each document's count): its site, whether it is shingled by character, the exact
    hash and length of its normalized text; the keys of its distinct lines (per site) and
    sentences, to count across the input; and for the later passes, the key and number of
    words of each of its lines in order (``layout.TextLayout``), the key of each of its
    sentences in order, and, for a document shingled by word (``laid_out``), its number of
    words; the hash of each of its words and each sentence's number of words and length
    (``common.ChunkLayout``) are in a file of the process that made them (``layouts``, read back
    by pass 2's worker: they do not cross the pipes twice)."""

    sites: list[str]
    by_char: np.ndarray
    exact: np.ndarray
    lengths: np.ndarray
    lines: np.ndarray
    sentences: np.ndarray
    sentence_order: np.ndarray
    sentence_counts: np.ndarray
    line_order: np.ndarray
    line_words: np.ndarray
    line_counts: np.ndarray
    laid_out: np.ndarray
    word_counts: np.ndarray
    layouts: LayoutRef | None
    ids: list[str]
    text_lengths: np.ndarray
    richness: np.ndarray


@dataclass(frozen=True, slots=True)
class Survey:
    """Pass 1 over a chunk: what each document shows of its site's frame."""

    shingle: str
    count_lines: bool
    count_sentences: bool
    # The run whose files the layouts go to (``layout_run``); none made without it.
    layout_run: str | None = None

    def __call__(self, items: Sequence[Record | bytes | SpoolSlice]) -> Seen:
        records = [as_record(item) for item in expanded(items)]
        sites = [url_host(record) for record in records]
        reading = Reading(
            lines=self.count_lines,
            sentences=self.count_sentences,
            mode=self.shingle,
            layouts=self.layout_run is not None,
        )
        read = read_texts([record.text for record in records], sites, reading)
        return Seen(
            sites=sites,
            by_char=np.array([unit == "char" for unit in read.units], dtype=np.uint8),
            exact=np.array(read.exact, dtype=np.uint64),
            lengths=np.array(read.lengths, dtype=np.int64),
            lines=_distinct_each(read.line_keys, read.line_counts, skip_zero=True),
            sentences=_distinct_each(read.sentence_keys, read.sentence_counts),
            sentence_order=read.sentence_keys,
            sentence_counts=read.sentence_counts,
            line_order=read.line_keys,
            line_words=read.line_words,
            line_counts=read.line_counts,
            laid_out=read.laid_out.astype(np.uint8),
            word_counts=read.word_counts,
            layouts=None
            if self.layout_run is None
            else write_layouts(
                self.layout_run,
                read.words,
                read.word_counts,
                _packed(read.piece_words, read.piece_lengths),
                read.piece_counts,
            ),
            ids=[record.id for record in records],
            text_lengths=np.array([len(record.text) for record in records], dtype=np.int64),
            richness=np.array([_richness(record) for record in records], dtype=np.int32),
        )


# -- pass 1's layouts, in a file of each process that made them --------------------------

# A chunk's layouts: the file's ``SharedFile.name``, where they start in it, their size.
LayoutRef = tuple[str, int, int]
# This process's layout file of each run (by the run's ``layout_run``), and the files of
# others it has read.
_WRITERS: dict[str, SharedFile] = {}
_READ: dict[str, set[str]] = {}


def write_layouts(
    run: str,
    words: np.ndarray,
    word_counts: np.ndarray,
    pieces: np.ndarray,
    piece_counts: np.ndarray,
) -> LayoutRef:
    """Append a chunk's words' hashes and sentences' layout to this process's file of the
    ``run`` (a folder for a named file where there is no ``/proc``, see ``layout_run``);
    where to read them back (``read_layouts``), from any process."""
    shared = _WRITERS.get(run)
    if shared is None:  # closed by close_layouts, or by the next run in this process
        _close_other_runs(run)
        shared = _WRITERS[run] = SharedFile(0, None if through_proc() else run)
    sizes = np.array([len(word_counts), len(words), len(pieces)], dtype=np.uint64)
    parts = (sizes, word_counts.astype(np.uint64), piece_counts.astype(np.uint64), words, pieces)
    data = memoryview(np.concatenate(parts).astype(np.uint64, copy=False).tobytes())
    file = shared.file
    offset = file.seek(0, os.SEEK_END)
    written = 0
    while written < len(data):  # unbuffered: every byte is in the file when this returns
        written += file.write(data[written:]) or 0
    return shared.name, offset, len(data)


def read_layouts(
    run: str, where: LayoutRef
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A chunk's words' hashes, each document's number of words, its sentences' layout
    and each one's number of sentences, as ``write_layouts`` wrote them."""
    name, offset, size = where
    if run not in _READ:
        _close_other_runs(run)
    _READ.setdefault(run, set()).add(name)
    values = np.frombuffer(read_at(name, size, offset), dtype=np.uint64)
    documents, words, pieces = (int(n) for n in values[:3])
    at = np.cumsum([3, documents, documents, words, pieces]).tolist()
    word_counts = values[at[0] : at[1]].astype(np.int64)
    piece_counts = values[at[1] : at[2]].astype(np.int64)
    return values[at[2] : at[3]], word_counts, values[at[3] : at[4]], piece_counts


def layout_run() -> str:
    """A new run's name for its layout files: a temporary folder where files are shared
    by name (no ``/proc``), else a name only (nothing on disk to leave behind)."""
    if through_proc():
        return f"ingest-layouts-{os.getpid()}-{next(_RUNS)}"
    return tempfile.mkdtemp(prefix=f"ingest-layouts-{os.getpid()}-")


def close_layouts(run: str, remove: bool = True) -> None:
    """Close this process's files of a ``run`` (its own, and the readers of others'), and
    remove the run's folder if it has one (its maker does, when the run ends)."""
    shared = _WRITERS.pop(run, None)
    if shared is not None:
        shared.close()
    for path in _READ.pop(run, set()):
        forget(path)
    if remove and os.path.isabs(run):
        shutil.rmtree(run, ignore_errors=True)


def _close_other_runs(run: str) -> None:
    """In a worker, the files of the runs before this one (a pool may outlive a run, when a
    caller's ``parallel.workers`` block holds it): a pool serves one thread, whose runs
    follow one another, so a new run's first chunk means the earlier runs are over. (Not in
    the process that made the run, whose threads may each be running one.)"""
    if _owner(run) == os.getpid():
        return
    for other in [r for r in (*_WRITERS, *_READ) if r != run]:
        close_layouts(other, remove=False)


def _owner(run: str) -> int:
    """The process that made a run (``layout_run``: ``ingest-layouts-<pid>-...``)."""
    return int(os.path.basename(run).split("-")[2])


_RUNS = itertools.count()


def _distinct_each(keys: np.ndarray, counts: np.ndarray, skip_zero: bool = False) -> np.ndarray:
    """The distinct keys of each document (``keys`` end to end, ``counts`` each), end to end
    (without 0, the key of a blank line, when ``skip_zero``): one sort for the chunk."""
    documents = np.repeat(np.arange(len(counts)), counts)
    if skip_zero:
        documents, keys = documents[keys != 0], keys[keys != 0]
    order = np.lexsort((keys, documents))
    keys, documents = keys[order], documents[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (documents[1:] != documents[:-1])
    return keys[first]


def _packed(words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each sentence's number of words and its length, in one integer (words in the high
    half)."""
    return (words.astype(np.uint64) << np.uint64(32)) | lengths.astype(np.uint64)


@dataclass(frozen=True, slots=True)
class Placed:
    """A chunk of records with what pass 1 learnt of them: each one's site and shingle
    unit; its lines' keys and numbers of words (end to end, with each one's count), and the
    exact hash and length of its normalized text (``None``: not kept, made again when
    needed); its sentences' keys, its words' hashes and its sentences' layout (``Seen``),
    when kept. The records may come as their pickles (as spooled): they cross to a worker
    without the main process unpickling and pickling them again. A record may be left out
    (``None``) when its layout is known and gives its story (``CommonParts.needs_text``);
    the ids, lengths and richness of a chunk with a layout the caller has from pass 1."""

    records: Sequence[Record | bytes | None]
    sites: list[str]
    units: list[str]
    line_keys: np.ndarray | None = None
    line_counts: np.ndarray | None = None
    exact: np.ndarray | None = None
    lengths: np.ndarray | None = None
    line_words: np.ndarray | None = None
    sentence_keys: np.ndarray | None = None
    sentence_counts: np.ndarray | None = None
    laid_out: np.ndarray | None = None
    layouts: LayoutRef | None = None
    run: str = ""  # the layouts' run (``layout_run``)

    def documents(
        self, common: CommonParts
    ) -> Iterator[tuple[Record | None, str, str, np.ndarray | None, Known | None, Story]]:
        """(record, site, unit, line keys, (exact hash, length), story) of each document:
        the story's words (and whether they are its story) when the chunk's layouts decide
        it (``CommonParts.chunk_stories``), else ``None``."""
        line_keys = slices(self.line_keys, self.line_counts)
        known = None
        if self.exact is not None and self.lengths is not None:
            known = list(zip(self.exact.tolist(), self.lengths.tolist(), strict=True))
        stories = self._stories(known, common)
        for n, record in enumerate(self.records):
            yield (
                None if record is None else as_record(record),
                self.sites[n],
                self.units[n],
                line_keys[n] if line_keys else None,
                known[n] if known else None,
                stories[n] if stories else None,
            )

    def _stories(self, known: list[Known] | None, common: CommonParts) -> list[Story] | None:
        if known is None or self.laid_out is None or self.layouts is None:
            return None
        words, word_counts, pieces, piece_counts = read_layouts(self.run, self.layouts)
        if len(word_counts) != len(self.laid_out):
            raise RuntimeError("dedupe: pass 2's chunk is not pass 1's")
        chunk = ChunkLayout(
            words=words,
            word_counts=word_counts,
            laid_out=self.laid_out,
            sited=np.array([bool(site) for site in self.sites], dtype=bool),
            lengths=np.array([length for _, length in known], dtype=np.int64),
            piece_words=(pieces >> np.uint64(32)).astype(np.int64),
            piece_lengths=(pieces & np.uint64(0xFFFFFFFF)).astype(np.int64),
            piece_counts=piece_counts,
            sentence_keys=NO_KEYS if self.sentence_keys is None else self.sentence_keys,
            sentence_counts=_zeros_or(self.sentence_counts, len(word_counts)),
            line_keys=NO_KEYS if self.line_keys is None else self.line_keys,
            line_words=np.zeros(0, np.int64) if self.line_words is None else self.line_words,
            line_counts=_zeros_or(self.line_counts, len(word_counts)),
        )
        return common.chunk_stories(chunk)


def _zeros_or(counts: np.ndarray | None, documents: int) -> np.ndarray:
    return np.zeros(documents, dtype=np.int64) if counts is None else counts


def slices(values: np.ndarray | None, counts: np.ndarray | None) -> list[np.ndarray]:
    """Each document's part of ``values`` (end to end, ``counts`` each); none without."""
    if values is None or counts is None:
        return []
    ends = np.cumsum(counts).tolist()
    return [values[start:end] for start, end in zip([0, *ends], ends, strict=False)]


def expanded(items: Sequence[Record | bytes | SpoolSlice]) -> list[Record | bytes]:
    """Records, or their pickles, with the records of each ``SpoolSlice`` read from its
    spool (a worker reads them itself, where the main process would have sent them)."""
    if not any(isinstance(item, SpoolSlice) for item in items):
        return list(items)  # type: ignore[arg-type]
    found: list[Record | bytes] = []
    for item in items:
        found.extend(item.pickles() if isinstance(item, SpoolSlice) else [item])
    return found


def as_record(item: Record | bytes) -> Record:
    """A record, or a spooled record's pickle (``Spool.pickles``), as a record."""
    if isinstance(item, bytes):
        record: Record = pickle.loads(item)
        return record
    return item


@dataclass(frozen=True, slots=True)
class Signed:
    """Pass 2 over a chunk, one entry a document, as arrays: MinHash signatures, shingle
    counts, exact hashes of the normalized text, text lengths, metadata richness, and
    whether the shingles are of the story (its text without the frame); and the ids. (The
    ids, lengths and richness are ``None`` for a chunk laid out by pass 1, which told them.)"""

    ids: list[str] | None
    signatures: np.ndarray
    sizes: np.ndarray
    exact: np.ndarray
    lengths: np.ndarray | None
    richness: np.ndarray | None
    framed: np.ndarray


@dataclass(frozen=True, slots=True)
class Signing:
    """Pass 2 over a chunk: each document's story, its shingles, and their signature."""

    common: CommonParts
    ngram: int
    num_perm: int
    seed: int

    def __call__(self, chunks: list[Placed]) -> Signed:
        word_sets, exact, framed, ids, lengths, richness = [], [], [], [], [], []
        common = self.common
        for chunk in chunks:
            for record, site, unit, line_keys, known, found in chunk.documents(common):
                if found is not None and known is not None:
                    exact.append(known[0])
                    words, story = found
                elif record is not None:
                    made = self._from_text(record.text, site, unit, line_keys, known)
                    exact.append(made[0])
                    words, story = made[1], made[2]
                else:  # CommonParts.needs_text said its layout would do
                    raise RuntimeError("dedupe: a document's text was left out but is needed")
                word_sets.append(words)
                framed.append(story)
                if record is not None and chunk.laid_out is None:
                    ids.append(record.id)
                    lengths.append(len(record.text))
                    richness.append(_richness(record))
        hash_sets = fold_many(word_sets, self.ngram)
        # Of chunks laid out by pass 1, the caller has the ids, lengths and richness (Seen).
        given = len(ids) == len(hash_sets)
        return Signed(
            ids=ids if given else None,
            signatures=_signer(self.num_perm, self.seed).signatures(hash_sets),
            sizes=np.array([len(h) for h in hash_sets], dtype=np.int32),
            exact=np.array(exact, dtype=np.uint64),
            lengths=np.array(lengths, dtype=np.int64) if given else None,
            richness=np.array(richness, dtype=np.int32) if given else None,
            framed=np.array(framed, dtype=bool),
        )

    def _from_text(
        self, text: str, site: str, unit: str, line_keys: np.ndarray | None, known: Known | None
    ) -> tuple[int, np.ndarray, bool]:
        """A document's exact hash, the token hashes of what it is compared by, and whether
        that is its story: from its text, split and normalized again."""
        if known is None:
            whole = normalize_for_shingles(text)
            compared, story = self.common.compared(text, site, unit, len(whole), whole)
            return exact_hash(whole), token_hashes(compared, unit), story
        compared, story = self.common.compared(text, site, unit, known[1], None, line_keys)
        return known[0], token_hashes(compared, unit), story


@lru_cache(maxsize=4)
def _signer(num_perm: int, seed: int) -> Signer:
    return Signer(num_perm, seed)


def _richness(record: Record) -> int:
    """How much metadata a record carries: the ``keep="metadata"`` rule."""
    return sum(1 for v in record.metadata.values() if v not in ("", None, [], {}, -1))


Note = dict[str, Any]


def encode_annotated(
    items: list[tuple[bytes, Note]] | list[tuple[SpoolSlice, list[Note]]],
) -> list[bytes]:
    """The output's JSONL lines of spooled records (their pickles, or a slice of the spool
    with a note for each of its records), each with its ``metadata.dedupe``."""
    from ..io.outputs import encode_line  # the reader's imports are a library user's choice

    pairs: list[tuple[bytes, Note]] = []
    for data, note in items:
        if isinstance(data, SpoolSlice):
            assert isinstance(note, list)
            pairs.extend(zip(data.pickles(), note, strict=True))
        else:
            assert isinstance(note, dict)
            pairs.append((data, note))
    lines = []
    for data, note in pairs:
        record = as_record(data)
        record.metadata["dedupe"] = note
        lines.append(encode_line(record))
    return lines
