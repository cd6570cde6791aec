"""Decode accuracy and speed: ``ingest`` next to bare chardet and charset-normalizer.

Three decoders, run on the same bytes in the same run:

- ``ingest``: ``decode_bytes(data).text``;
- ``chardet``: what a hand-rolled script does, ``chardet.detect(data)`` with its defaults, then
  decode with that label, replacing what fails;
- ``charset-normalizer``: ``from_bytes(data).best()``, its text.

Sets:

- ``uchardet``: the uchardet project's test corpus in ``../shared/dev-data/uchardet/`` (real
  text, 33 languages; the file name is the true encoding), the 119 files with a Python codec.
- ``generated``: real multilingual news text (tests/data/multilingual.json) and the English
  samples, cut to 60, 150, 400 characters and whole, encoded in every encoding their script
  is written in on the web; plain, in HTML with a lying ``<meta charset>``, and (60 and 150
  characters) in HTML with a true one; plus one UTF-8 page per language with a footer pasted
  in cp1252 (right: what a browser shows, U+FFFD for the stray bytes).
- ``uchardet-60`` / ``uchardet-150``: the first 60 / 150 characters of each uchardet file,
  encoded again in its encoding (so cut at a character boundary, BOM kept when it had one).
- ``generated-60`` / ``generated-150``: the same cut of the generated set's whole plain
  documents (the short documents of the generated set, shown on their own).

A document counts as right when the decoded text equals the true text exactly (a leading
BOM character is ignored on both sides: decoders differ only in whether they strip it).

    python benchmarks/bench_decode.py [--verbose] [--repeat N] [--data DIR]
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import chardet
import charset_normalizer
from _common import DEV_DATA, ROOT, peak_rss_mb, table

from ingest.encoding import decode_bytes
from ingest.errors import BinaryInputError

UCHARDET = DEV_DATA / "uchardet"
# uchardet's file names that are not Python codec names (see dev-data/README.md).
UCHARDET_NAMES = {
    "ibm852": "cp852",
    "maccentraleurope": "mac-latin2",
    "maccyrillic": "mac-cyrillic",
    "uhc": "cp949",
}
SNIPPET_LENGTHS = (60, 150)

# The 7-bit escape encodings, BOM-less UTF-16 and the DOS/Mac Cyrillic pages are here
# because the uchardet set has one file or none of each.
ENCODINGS = {
    "zh": ["utf-8", "utf-16", "utf-16-le", "gb2312", "gbk", "gb18030", "hz"],
    "zh_hant": ["utf-8", "big5"],
    "ja": ["utf-8", "shift_jis", "cp932", "euc-jp", "iso2022_jp"],
    "ko": ["utf-8", "euc-kr", "iso2022_kr"],
    "ru": ["utf-8", "koi8-r", "cp1251", "iso-8859-5", "cp866", "mac-cyrillic"],
    "el": ["utf-8", "iso-8859-7", "cp1253"],
    "tr": ["utf-8", "cp1254", "iso-8859-9"],
    "fr": ["utf-8", "cp1252", "iso-8859-1"],
    "de": ["utf-8", "cp1252"],
    "es": ["utf-8", "iso-8859-1"],
    "pl": ["utf-8", "iso-8859-2", "cp1250"],
    "en": ["utf-8", "utf-16", "utf-16-be", "cp1252"],
}
LENGTHS = [60, 150, 400, None]
LYING_LABEL = "iso-8859-1"
TRUE_META_LENGTHS = (60, 150)


@dataclass(frozen=True, slots=True)
class Document:
    name: str  # where it comes from, for --verbose
    encoding: str  # the true encoding
    data: bytes
    text: str  # the true text


Decoder = Callable[[bytes], tuple[str, str]]  # -> (text, label)


def uchardet_codec(path: Path) -> str | None:
    """The Python codec of a uchardet file (``ko/utf-16.le``, ``ru/ibm866.txt``), or None."""
    # The BOM-marked UTF files are named with the byte order as suffix: utf-16.le.
    stem = path.name.replace(".", "-") if path.suffix in {".le", ".be"} else path.stem
    try:
        return codecs.lookup(UCHARDET_NAMES.get(stem, stem)).name
    except LookupError:
        return None  # viscii, euc-tw


def uchardet_set(folder: Path) -> list[Document]:
    documents = []
    for path in sorted(folder.glob("*/*")):
        codec = uchardet_codec(path)
        if path.name == "COPYING" or codec is None:
            continue
        data = path.read_bytes()
        name = f"{path.parent.name}/{path.name}"
        documents.append(Document(name, codec, data, data.decode(codec)))
    return documents


def generated_set() -> list[Document]:
    texts = json.loads((ROOT / "tests" / "data" / "multilingual.json").read_text())
    by_language = {key: value for key, value in texts.items() if "_short" not in key}
    by_language["en"] = "\n\n".join(
        p.read_text(encoding="utf-8").replace("ć", "c")
        for p in sorted((ROOT / "samples").glob("*.txt"))
    )
    documents = []
    for language, encodings in ENCODINGS.items():
        for length in LENGTHS:
            text = by_language[language][:length]
            for encoding in encodings:
                name = f"{language}/{encoding}/{length or 'whole'}"
                documents.append(Document(name, encoding, text.encode(encoding), text))
                head = f'<html><head><meta charset="{LYING_LABEL}"></head>'
                page = f"{head}<body><p>{text}</p></body></html>"
                if encoding not in {"utf-16", "utf-16-le", "utf-16-be", LYING_LABEL, "cp1252"}:
                    documents.append(
                        Document(f"{name}+lying-meta", encoding, page.encode(encoding), page)
                    )
                if length in TRUE_META_LENGTHS and not encoding.startswith("utf-16"):
                    page = f'<html><head><meta charset="{web_label(encoding)}"></head>{text}'
                    documents.append(
                        Document(f"{name}+true-meta", encoding, page.encode(encoding), page)
                    )
        documents.append(stray_bytes_page(language, by_language[language]))
    return documents


def web_label(encoding: str) -> str:
    """The label a page written in ``encoding`` declares: cp1252 text is labelled
    iso-8859-1 on most of the web (browsers read both as windows-1252)."""
    if encoding == "cp1252":
        return "iso-8859-1"
    return encoding.replace("cp125", "windows-125")


def stray_bytes_page(language: str, text: str) -> Document:
    """A UTF-8 page with a footer pasted in from a cp1252 file: right is what a browser
    shows, the page read as UTF-8 with U+FFFD for the bytes that are not."""
    data = f"{text}\n\n".encode() + "Rédaction: café ©".encode("cp1252")
    truth = data.decode("utf-8", errors="replace")
    return Document(f"{language}/utf-8/whole+stray-bytes", "utf-8", data, truth)


def snippets(documents: list[Document], length: int) -> list[Document]:
    """The first ``length`` characters of each document, encoded again in its encoding."""
    cut = []
    for document in documents:
        text = _without_bom(document.text)
        if len(text) <= length:
            continue
        bom = document.text[: len(document.text) - len(text)]
        data = (bom + text[:length]).encode(document.encoding)
        cut.append(Document(f"{document.name}[:{length}]", document.encoding, data, text[:length]))
    return cut


def ingest_decoder(data: bytes) -> tuple[str, str]:
    decoded = decode_bytes(data)
    return decoded.text, decoded.encoding


def chardet_decoder(data: bytes) -> tuple[str, str]:
    """What a hand-rolled script does: chardet's default guess, replace what fails."""
    label = chardet.detect(data)["encoding"] or "utf-8"
    return data.decode(label, errors="replace"), label


def charset_normalizer_decoder(data: bytes) -> tuple[str, str]:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return "", "none"
    return str(best), best.encoding


DECODERS: dict[str, Decoder] = {
    "ingest": ingest_decoder,
    "chardet": chardet_decoder,
    "charset-normalizer": charset_normalizer_decoder,
}


def _without_bom(text: str) -> str:
    return text.removeprefix("\ufeff")


def score(decoder: Decoder, documents: list[Document]) -> list[tuple[Document, str]]:
    """The misses: each document decoded wrong, with the label the decoder gave."""
    misses = []
    for document in documents:
        try:
            text, label = decoder(document.data)
        except (BinaryInputError, LookupError) as error:
            text, label = "", f"error: {error}"
        if _without_bom(text) != _without_bom(document.text):
            misses.append((document, label))
    return misses


def seconds_per_document(documents: list[Document], repeat: int) -> dict[str, float]:
    """Mean over documents of each decoder's fastest of ``repeat`` calls on it.

    The machine is shared: the decoders take turns on each document, and the minimum per
    document is the least noisy.
    """
    best = {name: [float("inf")] * len(documents) for name in DECODERS}
    for index, document in enumerate(documents):
        for _ in range(repeat):
            for name, decoder in DECODERS.items():
                started = time.perf_counter()
                with contextlib.suppress(BinaryInputError, LookupError):
                    decoder(document.data)
                elapsed = time.perf_counter() - started
                best[name][index] = min(best[name][index], elapsed)
    return {name: sum(times) / len(documents) for name, times in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss per decoder")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per document")
    parser.add_argument("--data", type=Path, default=UCHARDET, help="uchardet test folder")
    args = parser.parse_args()

    real = uchardet_set(args.data)
    generated = generated_set()
    whole_plain = [d for d in generated if d.name.endswith("/whole")]
    sets = {"uchardet": real, "generated": generated}
    for length in SNIPPET_LENGTHS:
        sets[f"uchardet-{length}"] = snippets(real, length)
    for length in SNIPPET_LENGTHS:
        sets[f"generated-{length}"] = snippets(whole_plain, length)

    accuracy_rows, speed_rows, all_misses = [], [], {}
    for set_name, documents in sets.items():
        accuracy = [set_name, str(len(documents))]
        for decoder_name, decoder in DECODERS.items():
            misses = score(decoder, documents)
            all_misses[(set_name, decoder_name)] = misses
            right = len(documents) - len(misses)
            accuracy.append(f"{right}/{len(documents)} ({right / len(documents):.1%})")
        accuracy_rows.append(accuracy)
        seconds = seconds_per_document(documents, args.repeat)
        ratio = seconds["ingest"] / seconds["chardet"]
        speed_rows.append(
            [set_name, *(f"{seconds[name] * 1000:.3f}" for name in DECODERS), f"{ratio:.2f}x"]
        )

    print("Documents decoded to exactly the true text:\n")
    print(table(accuracy_rows, ["set", "docs", *DECODERS]))
    print(f"\nms per document (each document's fastest of {args.repeat} calls):\n")
    print(table(speed_rows, ["set", *DECODERS, "ingest/chardet"]))
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")
    if args.verbose:
        for (set_name, decoder_name), misses in all_misses.items():
            print(f"\n{decoder_name} misses on {set_name} ({len(misses)}):")
            for document, label in misses:
                print(f"  {document.name:40} true {document.encoding:14} got {label}")


if __name__ == "__main__":
    main()
