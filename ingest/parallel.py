"""Per-document work on every core, in input order: the one place ``-j/--jobs`` acts.

``parallel_map(function, items, jobs)`` yields ``function(item)`` for each item, in the
order of ``items``, computed by ``jobs`` worker processes over chunks of ``chunk_size``
items (more, up to ``MAX_CHUNK_SIZE``, while chunks take a worker little time);
``map_chunks(function, items, jobs)`` yields ``function(chunk)`` for each chunk, for work
that is cheaper a batch at a time. With ``jobs=1`` both run in this process, with no
pool: the same results, lazily, as a plain loop. The output never depends on ``jobs``:
results come back in input order and each one depends on its own input only.

Memory stays flat: at most ``IN_FLIGHT_PER_JOB * jobs`` chunks are out at a time, so a
million documents stream through as ten do. The function and the items cross to the workers
by pickle (module-level functions, ``functools.partial`` of them with frozen configs, and
``Record``, a slots dataclass). Workers are forked from this process, with everything it has
imported, when it runs no other thread (the CLI); else they start from a fork server that
has imported the function's module once. Ctrl-C is the main process's: it stops the pool.

Hook for dedupe's signatures: a function that maps a chunk of texts (or records) to one
numpy block of signatures, one row a document, goes through ``map_chunks``:

.. code-block:: python

    sign = functools.partial(signature_block, num_perm=128, seed=1)  # list[str] -> ndarray
    for block in map_chunks(sign, (r.text for r in records), jobs, chunk_size=256):
        table.extend(block)  # rows in input order

Stages take a ``jobs`` argument and call these; the CLI only passes ``-j`` on. A consumer
that stops before the end (an error raised outside the pool, a failed write) calls
``close`` on what it iterates, so that the workers stop there and then.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from .errors import WorkerLost

# multiprocessing is imported when a pool starts: every command imports this module.
if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

T = TypeVar("T")
R = TypeVar("R")

# Chunks handed out per worker before the first comes back: enough to keep every worker
# busy while the main process reads and writes, few enough to keep memory flat.
IN_FLIGHT_PER_JOB = 4
# Records per chunk: large enough that pickling and scheduling cost little against the
# work on them (a cleaned page takes about a millisecond), small enough to balance a few
# hundred HTML pages over the workers.
DEFAULT_CHUNK_SIZE = 16
# parallel_map's chunks double (up to MAX_CHUNK_SIZE) while a chunk takes a worker less than
# this: 16 plain-text files take 3 ms, and handing out and collecting chunks that small cost
# the main process half as much again as chunks of 256; 16 HTML pages take 0.4 s, stay 16.
GROW_BELOW_SECONDS = 0.025
MAX_CHUNK_SIZE = 256
WORKER_LOST = "a worker process was killed (out of memory? see dmesg); try fewer --jobs"


def default_jobs() -> int:
    """The cores this process may run on (all of them, unless its affinity says fewer)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


# prctl's option (linux/prctl.h): the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1
# Signals that end a run (see cli.py): held while a worker is made, as Ctrl-C is.
TERMINATING = (signal.SIGTERM, signal.SIGHUP)


def parallel_map(
    function: Callable[[T], R],
    items: Iterable[T],
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[R]:
    """``function(item)`` for each item, in input order, on ``jobs`` processes (chunks of
    ``chunk_size`` items at first, larger while chunks take little time: the results are the
    same whatever the chunks)."""
    if jobs <= 1:
        return map(function, items)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    sizer = _ChunkSizer(chunk_size)
    each = functools.partial(_timed_each, function)
    return _flattened_timed(_pooled(each, _sized_chunks(items, sizer), jobs), sizer)


def close(iterator: Iterable[object]) -> None:
    """Stop ``iterator`` now, if it can be stopped (a generator: a pool's shuts its workers
    down). A consumer that stops on an error calls it: left to the garbage collector, a pool
    may be finalized in its own manager thread, which cannot wait for itself, and the
    process then hangs at exit."""
    stop = getattr(iterator, "close", None)
    if stop is not None:
        stop()


def map_chunks(
    function: Callable[[list[T]], R],
    items: Iterable[T],
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[R]:
    """``function(chunk)`` for each chunk of ``chunk_size`` items, in input order."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    chunks = _chunks(items, chunk_size)
    if jobs <= 1:
        return map(function, chunks)
    return _pooled(function, chunks, jobs)


class _ChunkSizer:
    """The size of parallel_map's next chunk: doubled after each chunk that took a worker
    less than ``GROW_BELOW_SECONDS``, up to ``MAX_CHUNK_SIZE`` (or the size asked, if more)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.largest = max(size, MAX_CHUNK_SIZE)

    def took(self, seconds: float) -> None:
        if seconds < GROW_BELOW_SECONDS:
            self.size = min(2 * self.size, self.largest)


def _sized_chunks(items: Iterable[T], sizer: _ChunkSizer) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, sizer.size)):
        yield chunk


def _timed_each(function: Callable[[T], R], chunk: list[T]) -> tuple[list[R], float]:
    """In a worker: ``function`` of each item of ``chunk``, and the seconds they took."""
    started = time.perf_counter()
    results = [function(item) for item in chunk]
    return results, time.perf_counter() - started


def _flattened_timed(chunks: Iterator[tuple[list[R], float]], sizer: _ChunkSizer) -> Iterator[R]:
    try:
        for results, seconds in chunks:
            sizer.took(seconds)
            yield from results
    finally:
        close(chunks)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Shared:
    """The pool of a ``workers()`` block, made by its first ``map_chunks`` call."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None


class _Blocks(threading.local):
    """The ``workers()`` blocks open in this thread, innermost last. Per thread: another
    thread's calls must not take a block's pool, which is shut down when the block ends,
    whatever that thread is still submitting to it."""

    def __init__(self) -> None:
        self.open: list[_Shared] = []


_BLOCKS = _Blocks()


@contextlib.contextmanager
def workers(jobs: int) -> Iterator[None]:
    """One pool of ``jobs`` workers for every ``map_chunks`` call in the block (of as many
    jobs), made by the first: forked once, while this process is still small, rather than
    again for each pass of a stage, each time with all that the process has grown to (its
    pages are shared with the fork, but every worker counts them as resident)."""
    shared = _Shared(jobs)
    # Removed from the list it went in: a generator holding the block (Deduplicator.run)
    # may be resumed, closed or collected in another thread.
    blocks = _BLOCKS.open
    blocks.append(shared)
    try:
        yield
    finally:
        blocks.remove(shared)
        if shared.pool is not None:
            shared.pool.shutdown(wait=True, cancel_futures=True)


def _pooled(function: Callable[[list[T]], R], chunks: Iterator[list[T]], jobs: int) -> Iterator[R]:
    head = list(itertools.islice(chunks, 2))
    shared = next((s for s in reversed(_BLOCKS.open) if s.jobs == jobs), None)
    if len(head) < 2 and (shared is None or shared.pool is None):
        yield from map(function, head)  # one chunk: starting workers would cost more
        return
    pending: deque[Future[R]] = deque()
    pool = shared.pool if shared is not None else None
    if pool is None:
        pool = _new_pool(function, jobs)
        if shared is not None:
            shared.pool = pool
    from concurrent.futures.process import BrokenProcessPool

    try:
        for chunk in itertools.chain(head, chunks):
            with _interrupts_held():
                pending.append(pool.submit(function, chunk))
            if len(pending) >= IN_FLIGHT_PER_JOB * jobs:
                yield _result_of(pending.popleft(), pool)
        while pending:
            yield _result_of(pending.popleft(), pool)
    except BrokenProcessPool:
        # Not a bug to report: the system killed a worker (most often for memory).
        raise WorkerLost(WORKER_LOST) from None
    finally:
        # Also when the reader stops early or a chunk failed: drop the work not started
        # (a shared pool is shut down when its block ends).
        if shared is None:
            pool.shutdown(wait=True, cancel_futures=True)
        else:
            for future in pending:
                future.cancel()


def _result_of(future: Future[R], pool: ProcessPoolExecutor) -> R:
    """``future.result()``, watching the pool's workers.

    A worker killed while it sends a result (the OOM killer, kill -9) leaves part of the
    message in the result pipe: the pool's manager thread waits for the rest forever (the
    pipe's other writers, this process among them, keep it open), never sees the pool
    broken, and every wait on it hangs (seen with CPython 3.11). So a dead worker ends the wait:
    the others are killed and this process's copy of the pipe's writing end is closed, the
    manager reads the end of the pipe, finds the pool broken and fails the work, and the
    caller gets ``BrokenProcessPool`` as for any lost worker."""
    while True:
        try:
            return future.result(timeout=WATCH_SECONDS)
        except TimeoutError:
            if not _lost_a_worker(pool):
                continue
        _unstick(pool)
        try:
            return future.result(timeout=UNSTUCK_SECONDS)
        except TimeoutError:
            from concurrent.futures.process import BrokenProcessPool

            raise BrokenProcessPool("a worker was lost and the pool did not stop") from None


# How often a wait for a chunk looks at the workers, and how long the pool is given to find
# itself broken once one is lost (it takes milliseconds).
WATCH_SECONDS = 1.0
UNSTUCK_SECONDS = 60.0


def _lost_a_worker(pool: ProcessPoolExecutor) -> bool:
    processes = getattr(pool, "_processes", None) or {}
    return any(process.exitcode is not None for process in list(processes.values()))


def _unstick(pool: ProcessPoolExecutor) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()
    results = getattr(pool, "_result_queue", None)
    with contextlib.suppress(OSError, AttributeError):
        results._writer.close()  # type: ignore[union-attr]


def _new_pool(function: Callable[..., object], jobs: int) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    context = _context(function)
    # A forked worker's parent is this process; a fork server's worker's is the server.
    parent = os.getpid() if context.get_start_method() == "fork" else None
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(parent,)
    )


def _start_worker(parent: int | None) -> None:
    """In a worker: end with the process that made it, and leave interrupts to the main
    process."""
    _end_with_parent(parent)
    _ignore_interrupts()


def _end_with_parent(parent: int | None) -> None:
    """A worker whose main process is killed (SIGKILL, the OOM killer) would wait for work
    forever: the other workers hold the pipe it reads open. On Linux the kernel kills it
    when its parent dies (a fork server ends with the main process, and takes its workers
    along); elsewhere it lives until the pipe closes."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux
        return
    if parent is not None and os.getppid() != parent:  # died before the prctl call
        os._exit(1)


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C is the main process's to handle (it stops the pool cleanly); a
    worker that took it too would print its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the CLI's handlers and the mask held while it was made: it
    # ends on SIGTERM/SIGHUP as any process does (the main process stops the pool).
    for signum in TERMINATING:
        signal.signal(signum, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(TERMINATING))


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block is done: a worker interrupted while it
    starts is left half-made, outside the pool's shutdown, and prints a traceback after we
    exit; and an exception raised by a handler inside the fork's own hooks is ignored by
    Python, so the signal would be lost and the run go on."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *TERMINATING})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _context(function: Callable[..., object]) -> BaseContext:
    """How workers start: forked from this process when it has no other thread (the fastest,
    and safe then: the pool forks them all before it starts its own threads); else from a
    fork server with the function's module imported; spawned where there is neither."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(sorted(_modules_of(function)))
    return context


def _modules_of(function: Callable[..., object]) -> set[str]:
    """Modules whose import the workers need, through partials and their arguments."""
    if isinstance(function, functools.partial):
        found = _modules_of(function.func)
        for argument in (*function.args, *function.keywords.values()):
            if callable(argument):
                found |= _modules_of(argument)
        return found
    module = getattr(function, "__module__", None)
    return {module} if module and module != "__main__" else set()
