"""Checks at the library's boundary: a wrong type or value is one clear ``TypeError`` or
``ValueError`` naming the parameter or field, raised where it is given (a config when it is
made, a record when a stage takes it), not an ``AttributeError`` deep inside a stage or a
record silently written with ``"text": null``."""

from __future__ import annotations

import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .parallel import close, parallel_map
from .record import Record, key_path

T = TypeVar("T")
# What pickle raises for a value it cannot take: PicklingError (a lambda, a local class),
# TypeError (an open file, a lock), AttributeError (a local object, on some versions),
# RecursionError (nested too deep).
PICKLING_ERRORS = (pickle.PicklingError, TypeError, AttributeError, RecursionError)


def _kind(value: object) -> str:
    return type(value).__name__


def check_flag(owner: str, name: str, value: object) -> None:
    """``value`` is a bool: a string such as ``"no"`` would be taken as true."""
    if not isinstance(value, bool):
        raise TypeError(f"{owner}.{name} must be True or False, not {_kind(value)} {value!r}")


def check_int(
    owner: str, name: str, value: object, minimum: int | None, maximum: int | None = None
) -> None:
    """``value`` is an int (not a bool, not a float) from ``minimum`` to ``maximum`` (``None``:
    the caller checks the range)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}.{name} must be an integer, not {_kind(value)} {value!r}")
    if minimum is None:
        return
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"in {minimum}-{maximum}" if maximum is not None else f"at least {minimum}"
        raise ValueError(f"{name} must be {bounds}, not {value}")


def check_number(owner: str, name: str, value: object) -> None:
    """``value`` is an int or a float (not a bool, not a numeric string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{owner}.{name} must be a number, not {_kind(value)} {value!r}")


def check_jobs(function: str, jobs: object) -> None:
    """A stage's ``jobs``: 1 (no workers) or more; 0 and -1 do not mean "all cores" here."""
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"{function}: jobs must be an integer, not {_kind(jobs)} {jobs!r}")
    if jobs < 1:
        raise ValueError(
            f"{function}: jobs must be at least 1, not {jobs} "
            "(ingest.parallel.default_jobs() gives the number of cores)"
        )


def check_config(function: str, config: object, kind: type) -> None:
    check_instance(function, "config", config, kind)


def check_instance(function: str, name: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{function}: {name} must be a {kind.__name__}, not {_kind(value)}")


def check_paths(function: str, paths: object) -> list[str]:
    """A list of paths, each a ``str`` (an ``os.PathLike`` is taken as its path): a lone
    string would be read as the paths of its characters (``"/"`` first)."""
    if isinstance(paths, str | bytes | os.PathLike):
        raise TypeError(f"{function}: inputs must be a list of paths, not one path: [{paths!r}]")
    try:
        items = list(paths)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{function}: inputs must be a list of paths, not {_kind(paths)}") from None
    return [_path(function, item) for item in items]


def _path(function: str, item: object) -> str:
    if isinstance(item, os.PathLike):
        item = os.fspath(item)
    if not isinstance(item, str):
        raise TypeError(f"{function}: a path must be a str or a Path, not {_kind(item)} {item!r}")
    return item


def output_path(function: str, output: object) -> str | None:
    """``output`` as a path: a ``str``, an ``os.PathLike`` or ``None`` (stdout)."""
    path = os.fspath(output) if isinstance(output, os.PathLike) else output
    if path == "":
        raise ValueError(f"{function}: output is an empty path (None writes to stdout)")
    if path is None or isinstance(path, str):
        return path
    raise TypeError(
        f"{function}: output must be a path (str or Path) or None for stdout, not "
        f"{_kind(output)} (a file object is not taken: the output is written atomically)"
    )


def checked_records(records: Iterable[Record], function: str) -> Iterator[Record]:
    """``records``, each checked as a stage takes it (see ``check_record``)."""
    if isinstance(records, Record):
        raise TypeError(f"{function}: records must be an iterable of Record, not one Record")
    for number, record in enumerate(records, start=1):
        check_record(record, function, number)
        yield record


def check_record(record: Any, function: str, number: int) -> None:
    """``record`` is a ``Record`` whose fields have their types, and has an id: what every
    stage and the JSONL schema rely on. ``number`` counts the records from 1."""
    where = f"{function}: record {number}"
    if not isinstance(record, Record):
        hint = " (Record.from_dict makes one of a dict)" if isinstance(record, dict) else ""
        raise TypeError(f"{where} is a {_kind(record)}, not a Record{hint}")
    for name in ("id", "text", "source"):
        value = getattr(record, name)
        if not isinstance(value, str):
            raise TypeError(f"{where}: Record.{name} must be a str, not {_kind(value)}")
    if not isinstance(record.metadata, dict):
        raise TypeError(f"{where}: Record.metadata must be a dict, not {_kind(record.metadata)}")
    if not record.id:
        raise ValueError(f"{where}: Record.id is empty (every record needs a unique id)")


def records_map(
    function: str, work: Callable[[Record], T], records: Iterable[Record], jobs: int
) -> Iterator[T]:
    """``parallel.parallel_map(work, records, jobs)``, where a record that cannot be pickled
    to reach the workers is a ``TypeError`` naming it (see ``sent_by_pickle``)."""
    if jobs == 1:  # nothing is pickled
        return parallel_map(work, records, jobs)
    return sent_by_pickle(function, records, lambda sent: parallel_map(work, sent, jobs))


def sent_by_pickle(
    function: str,
    records: Iterable[Record],
    send: Callable[[Iterable[Record]], Iterator[T]],
) -> Iterator[T]:
    """``send(records)``, which pickles each record (to a worker process, to a temporary
    file) and gives one result for each, in order. When a record cannot be pickled (a
    lambda or an open file in its metadata), pickle's error names neither the record nor
    the key: this raises a ``TypeError`` naming both instead. The records sent and not yet
    back are kept (a deque's append and pop a record) and looked at only after an error."""
    waiting: deque[Record] = deque()

    def taken() -> Iterator[Record]:
        for record in records:
            waiting.append(record)
            yield record

    results = send(taken())
    try:
        for result in results:
            waiting.popleft()
            yield result
    except PICKLING_ERRORS:
        problem = first_unpicklable(waiting)
        if problem is None:  # another error, from the input or the work: left as it is
            raise
        raise TypeError(f"{function}: {problem}") from None
    finally:
        close(results)


def first_unpicklable(records: Iterable[Record]) -> str | None:
    """What of the first record that does not pickle cannot be (its id and key path)."""
    for record in records:
        if _pickles(record):
            continue
        where = _unpicklable_part(record.metadata)
        return (
            f"record {record.id!r}: {where} cannot be pickled, and records are pickled to "
            "reach the worker processes (jobs above 1) and temporary files"
        )
    return None


def _unpicklable_part(value: Any) -> str:
    """The key path of the innermost value in ``value`` that does not pickle, and its type
    (a walk down one branch, without recursion)."""
    path: Any = "metadata"
    while True:
        children: Iterable[tuple[Any, Any]] = ()
        if isinstance(value, dict):
            children = value.items()
        elif isinstance(value, list | tuple):
            children = enumerate(value)
        failing = next(((k, v) for k, v in children if not _pickles(v)), None)
        if failing is None:
            return f"{key_path(path)} (a {type(value).__name__})"
        path, value = (path, failing[0]), failing[1]


def _pickles(value: object) -> bool:
    try:
        pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except PICKLING_ERRORS:
        return False
    return True
