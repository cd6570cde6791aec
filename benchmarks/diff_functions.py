"""Differential fuzz of the text functions: an older checkout's against this one's, in-process.

    python benchmarks/diff_functions.py --old /tmp/me/old [--seed 0] [--count 3000] [--no-esc]

Copies OLD/ingest to a temporary folder as the package ``ingest_old`` and calls both versions
of boilerplate_rule, is_footer_line, parse_meta_line, normalize_whitespace,
unescape_entities, repair_mojibake, split_blocks, find_items, strip_markers, decode_bytes
(in four encodings) and clean_record (six configs) on random lines and texts of news
boilerplate tokens, odd spaces, controls and ESC sequences; prints each function's
disagreements, shortest first. ``--no-esc`` leaves ESC out (old and new differ on purpose
there: terminal colour codes in ASCII text are now removed whole). Exit 1 on any difference.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOKENS = [
    "The",
    "council",
    "voted",
    "Tuesday",
    "budget",
    "Home",
    "News",
    "World",
    "Share",
    "Facebook",
    "Tweet",
    "Email",
    "Print",
    "Copyright",
    "(c)",
    "2026",
    "All",
    "Rights",
    "Reserved",
    "cookie",
    "cookies",
    "accept",
    "policy",
    "Related",
    "stories",
    "Tags:",
    "Editor:",
    "Responsible",
    "editor",
    "Most",
    "read",
    "Latest",
    "news",
    "dictionary",
    "Chinese",
    "Dictionary:",
    "By",
    "Posted",
    "by",
    "John",
    "Smith",
    "Reporter:",
    "Source:",
    "From:",
    "author",
    "written",
    "reported",
    "Sept.",
    "14,",
    "2026",
    "September",
    "March",
    "15",
    "2023-03-15",
    "10:32",
    "AM",
    "GMT",
    "updated",
    "published",
    "on",
    "|",
    ">",
    ">>",
    "»",
    "›",
    "→",
    "/",
    "-",
    "—",
    "–",
    "[more..]",
    "[more...]",
    "More>>",
    "Read",
    "more",
    "(more)",
    "Full",
    "story",
    "Continue",
    "reading",
    "details",
    "...",
    "…",
    "GENEVA,",
    "Sept.",
    "14",
    "(Xinhua)",
    "--",
    "&",
    "&amp;",
    "&amp;amp;",
    "&nbsp;",
    "&#8217;",
    "&lt;b&gt;",
    "café",
    "naïve",
    "Ã©",
    "â€œ",
    "â€",
    "版权所有",
    "编辑:",
    "市议会",
    "주민",
    "Жители",
    "2026年3月15日",
    "K",
    "ſ",
    "ǅ",
    "İ",
    "ß",
    "ﬁ",
    "١٢",
    "２０２６",
    ".",
    ",",
    ";",
    ":",
    "!",
    "?",
    '"',
    "'",
    "*",
    "*",
    "*",
    "---",
]
ODD_ALL = [
    "\u00a0",
    "\u2009",
    "\u3000",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u00ad",
    "\x01",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1b[31m",
    "\x1b[0m",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x85",
    "\x90",
    "\u2028",
    "\t",
    "\r",
    "\r\n",
    "  ",
    "~{",
]


def rand_line(rng: random.Random, odd: list[str]) -> str:
    count = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 45])
    words = [rng.choice(TOKENS) if rng.random() < 0.85 else rng.choice(odd) for _ in range(count)]
    return rng.choice([" ", " ", " ", "", "\u00a0"]).join(words)


def rand_text(rng: random.Random, odd: list[str]) -> str:
    lines = [
        rng.choice(["", " ", "\t", " \t "]) if rng.random() < 0.2 else rand_line(rng, odd)
        for _ in range(rng.randint(0, 14))
    ]
    return rng.choice(["\n", "\n", "\r\n", "\n\n"]).join(lines)


def outcome(function: Callable[..., Any], *args: Any) -> str:
    try:
        return repr(("ok", function(*args)))
    except Exception as error:  # an exception is an outcome to compare, not a failure here
        return repr(("raised", type(error).__name__))


def load_old(old: Path, folder: Path) -> Any:
    """OLD/ingest imported as ``ingest_old`` (its imports inside are relative)."""
    shutil.copytree(old / "ingest", folder / "ingest_old")
    sys.path.insert(0, str(folder))
    import ingest_old.clean
    import ingest_old.clean.boilerplate
    import ingest_old.clean.metadata
    import ingest_old.clean.normalize
    import ingest_old.digest
    import ingest_old.encoding
    import ingest_old.record

    return ingest_old


def pairs(old: Any, new: Any) -> dict[str, tuple[Callable[..., Any], Callable[..., Any], str]]:
    """Name -> (old function, new function, what it takes: "line", "text" or "bytes")."""
    table: dict[str, tuple[Callable[..., Any], Callable[..., Any], str]] = {}
    for module, name, kind in [
        ("clean.boilerplate", "boilerplate_rule", "line"),
        ("clean.boilerplate", "is_footer_line", "line"),
        ("clean.metadata", "parse_meta_line", "line"),
        ("clean.normalize", "normalize_whitespace", "text"),
        ("clean.normalize", "unescape_entities", "text"),
        ("clean.normalize", "repair_mojibake", "text"),
        ("digest", "split_blocks", "text"),
        ("digest", "find_items", "text"),
        ("digest", "strip_markers", "text"),
        ("encoding", "decode_bytes", "bytes"),
    ]:
        functions = []
        for package in (old, new):
            target = package
            for part in module.split("."):
                target = getattr(target, part)
            functions.append(getattr(target, name))
        table[name] = (functions[0], functions[1], kind)
    for config in CONFIGS:

        def cleaner(package: Any, config: dict[str, Any] = config) -> Callable[[str], str]:
            def clean(text: str) -> str:
                record = package.record.Record(id="x", text=text, source="s", metadata={})
                return package.clean.clean_record(record, package.clean.CleanConfig(**config))

            return lambda text: clean(text).to_json()

        table[f"clean_record{config}"] = (cleaner(old), cleaner(new), "text")
    return table


CONFIGS: list[dict[str, Any]] = [
    {},
    {"explain": True},
    {"repair_mojibake": False},
    {"unescape_entities": False},
    {"strip_boilerplate": False},
    {"min_items": 3},
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", type=Path, default=Path("/tmp/me/old"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--no-esc", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import ingest.clean
    import ingest.clean.boilerplate
    import ingest.clean.metadata
    import ingest.clean.normalize
    import ingest.digest
    import ingest.encoding
    import ingest.record

    odd = [o for o in ODD_ALL if not (args.no_esc and "\x1b" in o)]
    rng = random.Random(args.seed)
    found: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        table = pairs(load_old(args.old.resolve(), Path(tmp)), ingest)
        for _ in range(args.count):
            line, text = rand_line(rng, odd), rand_text(rng, odd)
            for name, (old_function, new_function, kind) in table.items():
                inputs: list[Any] = {"line": [line], "text": [text]}.get(kind) or [
                    text.encode(codec, errors="replace")
                    for codec in ("utf-8", "cp1252", "utf-16", "gb18030")
                ]
                for value in inputs:
                    before, after = outcome(old_function, value), outcome(new_function, value)
                    if before != after:
                        found.setdefault(name, []).append(
                            f"{name}({value!r}): OLD {before} NEW {after}"
                        )
    for name, notes in found.items():
        print(name, len(notes))
        for note in sorted(notes, key=len)[:3]:
            print("   ", note[:700])
    print(f"{args.count} inputs, {sum(map(len, found.values()))} differences", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
