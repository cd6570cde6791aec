"""Dedupe's per-document work, a chunk of records at a time: what the ``-j`` workers run.

Each function maps a list of records (with what the main process learnt of them before) to
numpy arrays or small tuples, and depends on its chunk only: the results are the same
whichever process computes them, and in whatever chunks. They are module-level callables
(frozen dataclasses of settings) so that they cross to the workers by pickle.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import xxhash

from ..record import Record, url_host
from .common import CommonParts, sentence_keys
from .minhash import Signer, distinct, shingle_hashes
from .shingles import normalize_for_shingles, ordered_line_keys, pieces_and_whole, shingle_unit

NO_KEYS = np.zeros(0, dtype=np.uint64)
# What pass 1 made of a document's normalized text: its exact hash and its length.
Known = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Seen:
    """Pass 1 of a chunk of documents, as arrays (one entry a document, or keys end to end
    with each document's count): its site, whether it is shingled by character, the exact
    hash and length of its normalized text; the keys of its distinct lines (per site) and
    sentences, to count across the input; and the key of each of its lines in order
    (``ordered_line_keys``), for the later passes."""

    sites: list[str]
    by_char: np.ndarray
    exact: np.ndarray
    lengths: np.ndarray
    lines: np.ndarray
    sentences: np.ndarray
    sentence_counts: np.ndarray
    line_order: np.ndarray
    line_counts: np.ndarray


@dataclass(frozen=True, slots=True)
class Survey:
    """Pass 1 over a chunk: what each document shows of its site's frame."""

    shingle: str
    count_lines: bool
    count_sentences: bool

    def __call__(self, records: Sequence[Record | bytes]) -> Seen:
        sites, by_char, exact, lengths = [], [], [], []
        lines, sentences, orders = [NO_KEYS], [NO_KEYS], [NO_KEYS]
        for item in records:
            record = as_record(item)
            site = url_host(record)
            pieces, normalized = pieces_and_whole(record.text)
            sites.append(site)
            by_char.append(shingle_unit(normalized, self.shingle) == "char")
            exact.append(exact_hash(normalized))
            lengths.append(len(normalized))
            order = NO_KEYS
            if self.count_lines and site:
                order = ordered_line_keys(record.text, site)
                lines.append(distinct(order[order != 0]))
            orders.append(order)
            if self.count_sentences:
                sentences.append(distinct(sentence_keys(pieces, site)))
        return Seen(
            sites=sites,
            by_char=np.array(by_char, dtype=np.uint8),
            exact=np.array(exact, dtype=np.uint64),
            lengths=np.array(lengths, dtype=np.int64),
            lines=np.concatenate(lines),
            sentences=np.concatenate(sentences),
            sentence_counts=_counts(sentences[1:], len(records)),
            line_order=np.concatenate(orders),
            line_counts=_counts(orders[1:], len(records)),
        )


def _counts(arrays: list[np.ndarray], documents: int) -> np.ndarray:
    """Each document's number of keys (none, when nothing was counted)."""
    if not arrays:
        return np.zeros(documents, dtype=np.int64)
    return np.array([len(a) for a in arrays], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Placed:
    """A chunk of records with what pass 1 learnt of them: each one's site and shingle
    unit; its lines' keys (end to end, with each one's count), and the exact hash and
    length of its normalized text (``None``: not kept, made again when needed). The records
    may come as their pickles (as spooled): they cross to a worker without the main process
    unpickling and pickling them again."""

    records: Sequence[Record | bytes]
    sites: list[str]
    units: list[str]
    line_keys: np.ndarray | None = None
    line_counts: np.ndarray | None = None
    exact: np.ndarray | None = None
    lengths: np.ndarray | None = None

    def documents(self) -> Iterator[tuple[Record, str, str, np.ndarray | None, Known | None]]:
        """(record, site, unit, line keys, (exact hash, length)) of each document."""
        ends = None if self.line_counts is None else np.cumsum(self.line_counts).tolist()
        known = None
        if self.exact is not None and self.lengths is not None:
            known = list(zip(self.exact.tolist(), self.lengths.tolist(), strict=True))
        for n, record in enumerate(self.records):
            keys = None
            if self.line_keys is not None and ends is not None:
                keys = self.line_keys[(ends[n - 1] if n else 0) : ends[n]]
            yield as_record(record), self.sites[n], self.units[n], keys, known[n] if known else None


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
    whether the shingles are of the story (its text without the frame); and the ids."""

    ids: list[str]
    signatures: np.ndarray
    sizes: np.ndarray
    exact: np.ndarray
    lengths: np.ndarray
    richness: np.ndarray
    framed: np.ndarray


@dataclass(frozen=True, slots=True)
class Signing:
    """Pass 2 over a chunk: each document's story, its shingles, and their signature."""

    common: CommonParts
    ngram: int
    num_perm: int
    seed: int

    def __call__(self, chunks: list[Placed]) -> Signed:
        hash_sets, exact, framed, ids, lengths, richness = [], [], [], [], [], []
        common = self.common
        for chunk in chunks:
            for record, site, unit, line_keys, known in chunk.documents():
                text = record.text
                if known is None:
                    whole = normalize_for_shingles(text)
                    exact.append(exact_hash(whole))
                    compared, story = common.compared(text, site, unit, len(whole), whole)
                else:
                    exact.append(known[0])
                    compared, story = common.compared(text, site, unit, known[1], None, line_keys)
                hash_sets.append(shingle_hashes(compared, self.ngram, unit))
                framed.append(story)
                ids.append(record.id)
                lengths.append(len(text))
                richness.append(_richness(record))
        return Signed(
            ids=ids,
            signatures=_signer(self.num_perm, self.seed).signatures(hash_sets),
            sizes=np.array([len(h) for h in hash_sets], dtype=np.int32),
            exact=np.array(exact, dtype=np.uint64),
            lengths=np.array(lengths, dtype=np.int64),
            richness=np.array(richness, dtype=np.int32),
            framed=np.array(framed, dtype=bool),
        )


@lru_cache(maxsize=4)
def _signer(num_perm: int, seed: int) -> Signer:
    return Signer(num_perm, seed)


def _richness(record: Record) -> int:
    """How much metadata a record carries: the ``keep="metadata"`` rule."""
    return sum(1 for v in record.metadata.values() if v not in ("", None, [], {}, -1))


def encode_annotated(items: list[tuple[bytes, dict[str, Any]]]) -> list[bytes]:
    """The output's JSONL lines of spooled records, each with its ``metadata.dedupe``."""
    from ..io.outputs import encode_line  # the reader's imports are a library user's choice

    lines = []
    for data, note in items:
        record = as_record(data)
        record.metadata["dedupe"] = note
        lines.append(encode_line(record))
    return lines


def exact_hash(normalized: str) -> int:
    """The hash exact copies share: of the normalized text."""
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8", "surrogatepass"))
