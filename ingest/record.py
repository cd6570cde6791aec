"""The one record type every stage reads and writes."""

from __future__ import annotations

import copyreg
import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import xxhash

#: Top-level keys of a serialized record, in the order they are written.
RECORD_KEYS = ("id", "text", "source", "metadata")
#: The metadata keys the stages write, with the default of their type (README: "Record
#: schema"). An input record's value of another type would break the one schema of every
#: line: a number or a numeric string is converted, anything else becomes the default.
STAGE_METADATA: dict[str, Any] = {
    **dict.fromkeys(
        ("content_type", "encoding", "declared_encoding", "decode_method", "title", "date"), ""
    ),
    **dict.fromkeys(("author", "publisher", "url", "dateline", "parent_id", "role"), ""),
    **dict.fromkeys(("crawl_date", "feed", "empty_reason"), ""),
    "dedupe": {},
    "encoding_confidence": -1.0,
    "replaced_bytes": 0,
    "part": -1,
    "repairs": [],
    "items": [],
    "removed": [],
}
#: Keys whose null says something: ``empty_reason`` is a string on every record ``clean``
#: wrote (so a second clean knows it), null on others (a Parquet file of records never
#: cleaned holds the column all the same).
NULLABLE_METADATA = frozenset(["empty_reason"])
#: How an error names a JSON value's type.
JSON_KINDS = {bool: "true or false", float: "a float", list: "an array", dict: "an object"}
ITEM_FIELDS = {"title": "", "start": -1, "end": -1, "url": ""}
REMOVED_FIELDS = {"rule": "", "text": ""}


@dataclass(slots=True)
class Record:
    """A document: close to the dolma / datatrove format.

    >>> Record(id="a.txt", text="Hello").to_dict()
    {'id': 'a.txt', 'text': 'Hello', 'source': '', 'metadata': {}}
    """

    id: str
    text: str
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], default_id: str = "", default_source: str = ""
    ) -> Record:
        """Build a record from a parsed JSON object, keeping unknown keys in ``metadata``;
        ``default_id`` and ``default_source`` stand in for a missing ``id`` and ``source``
        (and for a ``null`` or ``""`` one); an integer ``id`` is taken as its decimal string.

        Raises ``ValueError`` with a user-facing message when the object is not a record (an
        ``id`` that is a float, a bool, a list or a dict is one).

        >>> Record.from_dict({"id": "a", "text": "Hello", "lang": "en"})
        Record(id='a', text='Hello', source='', metadata={'lang': 'en'})
        """
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, not {type(data).__name__}")
        text = data.get("text")
        if not isinstance(text, str):
            raise ValueError('record has no string "text" field')
        metadata = data.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ValueError('"metadata" must be a JSON object')
        metadata = dict(metadata)
        for key, value in data.items():
            if key not in RECORD_KEYS:
                metadata.setdefault(key, value)
        for key in STAGE_METADATA.keys() & metadata.keys():
            if key in NULLABLE_METADATA:  # a string or nothing known
                metadata[key] = metadata[key] if isinstance(metadata[key], str) else None
            else:
                metadata[key] = conform(metadata[key], STAGE_METADATA[key], key)
        record_id = data.get("id")
        if record_id is None or record_id == "":
            record_id = default_id
        elif isinstance(record_id, bool) or not isinstance(record_id, str | int):
            # An integer is taken as its decimal string (7 -> "7"); other JSON values have
            # no one spelling (5.0 or 5, True or true), and a bool is not an integer in JSON.
            kind = JSON_KINDS.get(type(record_id), type(record_id).__name__)
            raise ValueError(f'"id" must be a string or an integer, not {kind}')
        source = data.get("source")
        if not isinstance(source, str) or not source:
            source = default_source
        return cls(id=str(record_id), text=text, source=source, metadata=metadata)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "source": self.source, "metadata": self.metadata}

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its four fields: records fill dedupe's spool and cross to the -j
        # workers, and a slots dataclass's own pickling goes through Python-level
        # __getstate__/__setstate__ (a quarter of each dump and load). A subclass keeps the
        # default way, with whatever fields it adds.
        if type(self) is Record:
            return Record, (self.id, self.text, self.source, self.metadata)
        return copyreg.__newobj__, (type(self),), self.__getstate__()  # type: ignore[attr-defined]

    def to_json(self) -> str:
        """The record as one line of JSON, NaN and infinity (which JSON lacks) as null.

        A value JSON has no type for (a set, a numpy number, bytes) is a ``TypeError``, a
        value that contains itself (``m["self"] = m``) or is nested too deep for ``json`` a
        ``ValueError``: each names the record and the key path (``metadata['a'][0]``)."""
        return json_text(self.to_dict(), self.id, self.metadata)


def json_text(
    data: Any, record_id: str, metadata: dict[str, Any], *, sort_keys: bool = False
) -> str:
    """``data`` (a record's, holding its ``metadata``) as JSON, NaN and infinity as null; a
    ``TypeError`` or ``ValueError`` naming the record and the key path for what JSON cannot
    hold (see ``Record.to_json``)."""
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, sort_keys=sort_keys)
    except (TypeError, ValueError, RecursionError):
        pass  # NaN, or a value JSON cannot hold: looked for below, outside the handler
    problem = json_problem(metadata, "metadata")
    if problem is not None:
        kind, message = problem
        raise kind(f"record {record_id!r} cannot be written as JSON: {message}")
    try:
        return json.dumps(_finite(data), ensure_ascii=False, sort_keys=sort_keys)
    except TypeError as error:  # not in metadata (a field of a hand-made Record)
        raise TypeError(f"record {record_id!r} cannot be written as JSON: {error}") from None
    except RecursionError:
        raise ValueError(
            f"record {record_id!r} cannot be written as JSON: metadata is nested deeper than "
            "json can write"
        ) from None


# A key path as a chain of (parent, key) links: a value nested 10,000 deep has 10,000 paths
# on the walk, which as strings would take memory quadratic in the depth.
_Path = tuple[Any, Any] | str
JSON_SCALARS = (str, int, float, bool, type(None))


def key_path(path: _Path) -> str:
    """``metadata['a'][0]`` for the chain ``(("metadata", "a"), 0)``."""
    keys: list[str] = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(f"[{key!r}]")
    return path + "".join(reversed(keys))


def json_problem(value: Any, root: str) -> tuple[type[Exception], str] | None:
    """What in ``value`` ``json`` cannot write, with its key path: a value of a type JSON has
    no type for (``TypeError``), or a dict or list that contains itself (``ValueError``).
    ``None`` if there is nothing. Walked without recursion, as deep as ``value`` goes."""
    on_the_way: dict[int, _Path] = {}  # the containers above the current value
    stack: list[tuple[_Path, Any] | int] = [(root, value)]
    while stack:
        top = stack.pop()
        if isinstance(top, int):  # every value below this container was walked
            del on_the_way[top]
            continue
        path, item = top
        if isinstance(item, JSON_SCALARS):
            continue
        if not isinstance(item, dict | list | tuple):
            return TypeError, f"{key_path(path)} is a {type(item).__name__}, not a JSON value"
        if id(item) in on_the_way:
            inner = f"{key_path(path)} is {key_path(on_the_way[id(item)])}"
            return ValueError, f"{inner} again (a value that contains itself)"
        on_the_way[id(item)] = path
        stack.append(id(item))
        pairs = list(item.items() if isinstance(item, dict) else enumerate(item))
        for key, child in reversed(pairs):
            if not isinstance(key, JSON_SCALARS):
                kind = type(key).__name__
                return TypeError, f"{key_path(path)} has a key of type {kind}, not a JSON value"
            stack.append(((path, key), child))
    return None


def conform(value: Any, default: Any, key: str = "") -> Any:
    """``value`` as the type of ``default`` (see ``STAGE_METADATA``), or ``default``."""
    if isinstance(default, str):
        scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
        return str(value) if scalar else default
    if isinstance(default, float):
        return _number(value, float, default)
    if isinstance(default, int):
        return _number(value, int, default)
    if isinstance(default, dict):
        return value if isinstance(value, dict) else dict(default)
    if not isinstance(value, list):
        return list(default)
    if key == "repairs":
        return [str(v) for v in value if isinstance(v, str | int | float)]
    fields = ITEM_FIELDS if key == "items" else REMOVED_FIELDS
    entries = [
        {**v, **{name: conform(v.get(name), d) for name, d in fields.items()}}
        for v in value
        if isinstance(v, dict)
    ]
    if key == "items":  # a story has a title and lies somewhere in the text
        return [e for e in entries if e["title"] and 0 <= e["start"] <= e["end"]]
    return entries


def _number(value: Any, kind: type, default: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    if isinstance(value, int) and kind is int:
        return value
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return default
    if not math.isfinite(number) or (kind is int and not number.is_integer()):
        return default
    return kind(number)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def url_host(record: Record) -> str:
    """The host of ``metadata.url``, or ``""``: which site a record comes from, when known.

    Lines that repeat across a site's pages are its boilerplate; a story syndicated by many
    sites appears about once per site. Stages that learn boilerplate count within a site.
    """
    url = record.metadata.get("url")
    if isinstance(url, str) and url:
        return url_hostname(url)
    return ""


# The common shape, ``scheme://host[:port][/?#...]`` in plain ASCII with no user, IPv6
# literal, whitespace or control character, which ``urlparse`` takes apart 20 times slower.
_PLAIN_URL = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://"  # scheme
    r"([A-Za-z0-9.\-_~!$&'()*+,;=]*)"  # host: no "%" (hostname keeps an IPv6 zone's case)
    r"(?::[0-9]*)?(?=[/?#]|\Z)"  # port, then the path, query, fragment or the end
)


def url_hostname(url: str) -> str:
    """``urlparse(url).hostname or ""``: the host, lower-cased."""
    plain = _PLAIN_URL.match(url) if url.isascii() else None
    if plain is not None:
        return plain.group(1).lower()
    return urlparse(url).hostname or ""


def source_group(record: Record) -> str:
    """The site of a record: its URL's host, else the folder of its file (or its source)."""
    return url_host(record) or os.path.dirname(record.source) or record.source


def site_line_key(site: str, line: str) -> int:
    """A 64-bit key of a line within a site: to count on how many of its pages it appears."""
    return xxhash.xxh3_64_intdigest(f"{site}\0{line}".encode("utf-8", "surrogatepass"))
