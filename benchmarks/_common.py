"""Helpers shared by the benchmark scripts: timing and peak memory."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _find_dev_data() -> Path:
    """``shared/dev-data``: ``$INGEST_DEV_DATA``, else beside the repository (a checkout, CI)
    or one folder up (a git worktree in a folder of worktrees)."""
    if os.environ.get("INGEST_DEV_DATA"):
        return Path(os.environ["INGEST_DEV_DATA"])
    candidates = [folder / "shared" / "dev-data" for folder in (ROOT.parent, ROOT.parent.parent)]
    return next((c for c in candidates if c.is_dir()), candidates[0])


DEV_DATA = _find_dev_data()

T = TypeVar("T")


def timed(function: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: list[list[object]], header: list[str]) -> str:
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def compile_package() -> None:
    """Byte-compile ``ingest`` as ``pip install`` does: from a source checkout (an editable
    install) or with ``PYTHONDONTWRITEBYTECODE`` set, every run would compile each module
    again, some 0.1 s of start-up that an installed package does not pay (its baselines'
    libraries come compiled from their wheels)."""
    import compileall

    compileall.compile_dir(str(ROOT / "ingest"), quiet=1)
