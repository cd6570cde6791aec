"""``python -m ingest.dedupe.spark ARGS``: ``ingest dedupe --engine spark ARGS``."""

from __future__ import annotations

import sys

from ...cli import cli


def main() -> None:
    """The spark engine's entry point (``scripts/spark_dedupe.py`` for spark-submit)."""
    cli(["dedupe", "--engine", "spark", *sys.argv[1:]], prog_name="ingest")


if __name__ == "__main__":
    main()
