"""Shared helpers: run the real CLI in-process (CliRunner) or as a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ingest.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
# The five seed pages (UTF-8 text), and three copies of seed articles as other sites framed
# them, in other encodings (samples/syndicated/): the folder holds 39 stories, 42 records.
SAMPLE_FILES = sorted(SAMPLES.glob("*.txt"))
SYNDICATED_FILES = sorted((SAMPLES / "syndicated").iterdir())
SAMPLE_IDS = [p.name for p in SAMPLE_FILES] + [f"syndicated/{p.name}" for p in SYNDICATED_FILES]


def invoke(args: list[str], input: bytes | str | None = None) -> Result:
    """Run ``ingest ARGS`` in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=False)


def run_ingest(
    args: list[str], input: bytes | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m ingest ARGS`` as a real process (stdin empty unless ``input``)."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        input=b"" if input is None else input,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def temporary_output_size(pid: int, folder: Path) -> int | None:
    """Bytes written so far into the temporary file a run (process ``pid``) writes its
    output in, in ``folder``: on Linux an unnamed file it holds open (``/proc/PID/fd``
    shows ``FOLDER/#INODE (deleted)``), elsewhere a named ``.ingest-*`` file; ``None``
    while there is none."""
    sizes = [p.stat().st_size for p in folder.glob(".ingest-*")]
    fds = Path(f"/proc/{pid}/fd")
    with contextlib.suppress(OSError):  # the process may end meanwhile
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd).startswith(f"{folder}/#"):
                    sizes.append(fd.stat().st_size)
    return max(sizes, default=None)


def parse_jsonl(data: bytes | str) -> list[dict]:
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    # Lines end at "\n" only: str.splitlines also breaks at U+2028 and U+0085 in a text.
    return [json.loads(line) for line in data.split("\n") if line.strip()]


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES
