"""Options and numbers of the dedupe stage."""

from __future__ import annotations

from dataclasses import dataclass

from ..checks import check_flag, check_int, check_number

# The shingle modes (shingles.py shingles by them): named here, so that the CLI, which
# reads them for its options, does not import numpy with shingles.py at every start.
MODES = ("auto", "word", "char")
KEEP_RULES = ("first", "longest", "metadata")
# The signature's length: below 16 the estimate is noise; above 1024 (4 KiB of signature a
# document) it buys no accuracy worth having. The CLI's --num-perm takes the same range.
MIN_NUM_PERM = 16
MAX_NUM_PERM = 1024


# LSH is tuned below the threshold and towards recall: verification removes what it lets in.
@dataclass(frozen=True, slots=True)
class DedupeConfig:
    """Options of the dedupe stage.

    Attributes:
        threshold: similarity (Jaccard, or overlap for copies with text added or cut) at
            which two documents are copies; see the README for how 0.5 was chosen.
        num_perm: MinHash permutations (signature length).
        ngram: words (or characters, in unspaced scripts) per shingle.
        shingle: ``auto`` (characters for Chinese, Japanese, Thai...; words otherwise),
            ``word`` or ``char``.
        seed: seed of the MinHash permutations.
        keep: which copy is kept: ``first`` in input order, ``longest`` text, or the one with
            most ``metadata``; ties by id.
        common_lines: lines found in this many documents of one site or more (its headers
            and footers) are left out of the comparison; 0 compares every line. Sites are
            told apart by ``metadata.url``: records without one are compared on every line,
            since a folder or a stream may hold many copies of one story.
        common_sentences: sentences found in this many documents or more (per site when
            ``metadata.url`` tells it, across the whole input when not) are a frame's
            furniture (newsletter, cookie, copyright, editorial-policy sentences) and are
            left out of the comparison; a document of nothing else is compared whole. The
            floor is what keeps a story syndicated fewer times from being taken for a frame.
            0 compares every sentence.
        mark: keep duplicates in the output, marked in ``metadata.dedupe``.
    """

    threshold: float = 0.5
    num_perm: int = 128
    ngram: int = 5
    shingle: str = "auto"
    seed: int = 1
    keep: str = "first"
    common_lines: int = 3
    common_sentences: int = 10
    mark: bool = False

    def __post_init__(self) -> None:
        check_number("DedupeConfig", "threshold", self.threshold)
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        check_int("DedupeConfig", "num_perm", self.num_perm, MIN_NUM_PERM, MAX_NUM_PERM)
        check_int("DedupeConfig", "ngram", self.ngram, 1)
        check_int("DedupeConfig", "seed", self.seed, 0)  # numpy's generators take no other
        for name in ("common_lines", "common_sentences"):
            check_int("DedupeConfig", name, getattr(self, name), None)  # range below
        check_flag("DedupeConfig", "mark", self.mark)
        if self.shingle not in MODES:
            raise ValueError(f"shingle must be one of {', '.join(MODES)}")
        if self.keep not in KEEP_RULES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_RULES)}")
        if self.common_lines == 1 or self.common_lines < 0:
            raise ValueError("common_lines must be 0 (off) or at least 2")
        if self.common_sentences == 1 or self.common_sentences < 0:
            raise ValueError("common_sentences must be 0 (off) or at least 2")


@dataclass
class DedupeStats:
    records: int = 0
    exact: int = 0
    near: int = 0
    against_index: int = 0

    def summary(self) -> str:
        text = f"{self.exact} exact and {self.near} near duplicates removed"
        if self.against_index:
            text += f" ({self.against_index} of them already in the index)"
        return text


#: The defaults, as one shared (immutable) instance.
DEFAULT_CONFIG = DedupeConfig()
