"""The one chunking and execution seam: size chunks from a memory budget, run chunk functions, cache per model.

Tracing, attribution and decoding all evaluate a model on more rows than fit in memory at once. They share
three decisions, made here and nowhere else:

- **How many rows per chunk** (:func:`rows_per_chunk`): an explicit batch size, or as many rows as a memory
  budget allows (bytes per row -> rows), balanced so that all chunks have (nearly) the same size.
- **Which rows each chunk holds** (:func:`plan_chunks`): consecutive ranges; the last one may be padded by
  repeating its final row, so a compiled function sees one shape and is traced once.
- **Who runs the chunks** (:class:`Executor`): by default :class:`SerialExecutor`, in this process, one
  chunk after the other. A distributed executor (for example one that sends chunks to Ray workers)
  implements the same one-method protocol and is installed with :func:`using_executor`.

Compiled functions are cached per model by :func:`cached`, in a ``weakref.WeakKeyDictionary``: nothing is
written onto the user's model, and an entry goes away with its model. Cached values reach their model
through :func:`weak_model`, so that they do not keep it alive.
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from rnnlens.errors import OptionError

__all__ = [
    "DEFAULT_MEMORY_BUDGET_MB",
    "Chunk",
    "Executor",
    "SerialExecutor",
    "cached",
    "check_batch_size",
    "check_memory_budget",
    "current_executor",
    "plan_chunks",
    "rows_per_chunk",
    "run_chunks",
    "using_executor",
    "weak_model",
]

DEFAULT_MEMORY_BUDGET_MB = 2048

T = TypeVar("T")


# ------------------------------------------------------------------------------------------ validation
def check_batch_size(
    value: Any, name: str = "batch_size", *, allow_none: bool = True
) -> int | None:
    """Return a batch size as an int (None stays None where allowed), or raise.

    Args:
        value: what the caller passed.
        name: the argument's name, for the message (``batch_size``, ``internal_batch_size``).
        allow_none: whether None ("size the chunks from the memory budget") is accepted.

    Raises:
        OptionError: 0, a negative number, a float, a bool, not a number, or None where not allowed.

    Example:
        >>> check_batch_size(64)
        64
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        expected = "a positive integer or None" if allow_none else "an integer >= 1"
        raise OptionError(
            f"Argument `{name}` must be {expected}, received {value!r} of type {type(value).__name__}."
        )
    return int(value)


def check_memory_budget(value: Any, *, allow_none: bool = False) -> float | None:
    """Return a memory budget in megabytes, or raise unless it is a finite positive number.

    Args:
        value: what the caller passed as ``memory_budget_mb``.
        allow_none: whether None (no bound: one chunk) is accepted.

    Raises:
        OptionError: 0, a negative number, NaN, inf, a bool or not a number (None where not allowed).

    Example:
        >>> check_memory_budget(256)
        256.0
    """
    if value is None and allow_none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        bound = " (or None for no bound)" if allow_none else ""
        raise OptionError(
            "Argument `memory_budget_mb` (--memory-budget-mb) must be a finite positive number, "
            f"received {value!r}: a finite number of megabytes that sizes each chunk of work. Pass a "
            f"bound such as 512{bound}, or a batch size to fix the rows per chunk instead."
        )
    return float(value)


# --------------------------------------------------------------------------------------------- sizing
def rows_per_chunk(
    n_rows: int,
    bytes_per_row: int,
    *,
    batch_size: int | None = None,
    memory_budget_mb: float | None = DEFAULT_MEMORY_BUDGET_MB,
    max_rows: int | None = None,
    batch_size_name: str = "batch_size",
) -> int:
    """Rows per chunk: at most ``batch_size``, else as many as the budget allows; balanced, in ``[1, n_rows]``.

    The limit is ``batch_size`` when given, else ``memory_budget_mb * 2**20 // bytes_per_row`` (at least 1,
    at most ``max_rows``), else (no budget) every row. The rows are then spread over the fewest chunks that
    respect the limit, as evenly as possible, so a padded last chunk wastes little.

    Args:
        n_rows: rows to evaluate in total (samples, or samples x variants).
        bytes_per_row: the working memory one row needs (an estimate, including any overhead factor).
        batch_size: an explicit limit of rows per chunk (None: use the budget).
        memory_budget_mb: megabytes one chunk may use (None: no bound).
        max_rows: an upper limit on rows per chunk when sized by the budget (None: no limit).
        batch_size_name: the name ``batch_size`` has for the caller, for error messages.

    Returns:
        The chunk size, ``1 <= size <= max(n_rows, 1)``.

    Raises:
        OptionError: ``batch_size`` is not a positive integer, or the budget not a finite positive number.

    Example:
        >>> rows_per_chunk(10, 1, batch_size=4)  # three chunks: 4, 4 and 2 would be uneven
        4
        >>> rows_per_chunk(100, 2**20, memory_budget_mb=30)  # 30 rows fit: four chunks of 25
        25
    """
    limit = (
        None
        if batch_size is None
        else check_batch_size(batch_size, batch_size_name, allow_none=False)
    )
    budget = check_memory_budget(memory_budget_mb, allow_none=True)
    n_rows = max(int(n_rows), 1)
    if limit is None:
        if budget is None:
            limit = n_rows
        else:
            limit = max(int(budget * 2**20 // max(bytes_per_row, 1)), 1)
            if max_rows is not None:
                limit = min(limit, max_rows)
    n_chunks = math.ceil(n_rows / limit)
    return math.ceil(n_rows / n_chunks)


# ------------------------------------------------------------------------------------------- chunking
@dataclass(frozen=True)
class Chunk:
    """Rows ``start .. stop - 1`` of a range, run as one call of ``size`` rows.

    ``size`` exceeds ``stop - start`` only for a padded last chunk; :attr:`indices` then repeats the last
    row, and callers keep the first :attr:`n_valid` results.
    """

    start: int
    stop: int
    size: int

    @property
    def n_valid(self) -> int:
        """How many of the chunk's rows are real (the rest is padding)."""
        return self.stop - self.start

    @property
    def rows(self) -> slice:
        """The real rows, as a slice of the full range."""
        return slice(self.start, self.stop)

    @property
    def indices(self) -> np.ndarray:
        """``(size,)`` row indices: ``start .. stop - 1``, then ``stop - 1`` repeated as padding."""
        indices = np.arange(self.start, self.start + self.size)
        indices[self.n_valid :] = self.stop - 1
        return indices


def plan_chunks(n_rows: int, size: int, *, pad: bool = True) -> tuple[Chunk, ...]:
    """Cover ``range(n_rows)`` with consecutive chunks of ``size`` rows.

    Args:
        n_rows: rows in total.
        size: rows per chunk (see :func:`rows_per_chunk`).
        pad: give the last chunk ``size`` rows too (by repeating its final row), for compiled functions
            that should see one shape; without it the last chunk is just shorter.

    Example:
        >>> [(c.start, c.stop, c.size) for c in plan_chunks(5, 2)]
        [(0, 2, 2), (2, 4, 2), (4, 5, 2)]
    """
    if size < 1:
        raise ValueError(f"A chunk must hold at least one row, received size {size}.")
    return tuple(
        Chunk(start, min(start + size, n_rows), size if pad else min(size, n_rows - start))
        for start in range(0, n_rows, size)
    )


# ------------------------------------------------------------------------------------------ executors
class Executor(Protocol):
    """Runs a chunk function over chunks: the plug for serial, parallel or distributed execution.

    ``map`` must call ``work`` once per chunk and yield the results in chunk order; it may run chunks
    concurrently or elsewhere, but should stay lazy enough that a consumer streaming results to disk does
    not need them all in memory at once.
    """

    def map(self, work: Callable[[Chunk], T], chunks: Sequence[Chunk]) -> Iterator[T]:
        """``work(chunk)`` for every chunk, in order."""
        ...


class SerialExecutor:
    """The default executor: every chunk in this process, one after the other, as it is consumed."""

    def map(self, work: Callable[[Chunk], T], chunks: Sequence[Chunk]) -> Iterator[T]:
        """``work(chunk)`` for every chunk, computed lazily in order."""
        for chunk in chunks:
            yield work(chunk)


_executor: Executor = SerialExecutor()


def current_executor() -> Executor:
    """The executor :func:`run_chunks` uses (a :class:`SerialExecutor` unless one is installed)."""
    return _executor


@contextmanager
def using_executor(executor: Executor) -> Iterator[Executor]:
    """Run every chunked evaluation inside the ``with`` block on ``executor``.

    Example:
        >>> with using_executor(SerialExecutor()):
        ...     list(run_chunks(lambda chunk: chunk.n_valid, plan_chunks(5, 2)))
        [2, 2, 1]
    """
    global _executor
    if not callable(getattr(executor, "map", None)):
        raise OptionError(
            "Argument `executor` must have a `map(work, chunks)` method (see rnnlens.execution.Executor), "
            f"received {type(executor).__name__}."
        )
    previous, _executor = _executor, executor
    try:
        yield executor
    finally:
        _executor = previous


def run_chunks(
    work: Callable[[Chunk], T], chunks: Iterable[Chunk], *, executor: Executor | None = None
) -> Iterator[T]:
    """``work(chunk)`` for every chunk, in order, on ``executor`` (default: :func:`current_executor`)."""
    return (executor or _executor).map(work, tuple(chunks))


# -------------------------------------------------------------------------------------------- caching
_CACHE: weakref.WeakKeyDictionary[Any, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def cached(model: Any, key: Hashable, build: Callable[[], T]) -> T:
    """The value cached for ``(model, key)``, built by ``build()`` on first use.

    The single per-model cache of rnnlens (compiled functions, engines): keyed weakly by the model, so
    nothing is written onto it. A value must hold the model through a ``weakref`` (or hold a clone): a
    value referring to its own model strongly would keep the model alive for the life of the process.
    Objects that cannot be weakly referenced are not cached (``build()`` runs every time).

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> cached(model, "answer", lambda: 42), cached(model, "answer", lambda: 0)
        (42, 42)
    """
    try:
        per_model = _CACHE.setdefault(model, {})
    except TypeError:  # not weak-referenceable
        return build()
    if key not in per_model:
        per_model[key] = build()
    return per_model[key]  # type: ignore[no-any-return]


def weak_model(model: T) -> Callable[[], T]:
    """A getter for ``model`` that does not keep it alive: what cached engines and compiled functions hold.

    A value cached for a model (see :func:`cached`) that referred to the model strongly would keep its own
    key alive, and the model would never be freed. Objects that cannot be weakly referenced are held
    strongly (they cannot be cache keys either).

    Raises:
        RuntimeError: (when the getter is called) the model was garbage-collected.

    Example:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> weak_model(model)() is model
        True
    """
    try:
        reference = weakref.ref(model)
    except (
        TypeError
    ):  # not weak-referenceable: it cannot be a cache key, so holding it leaks nothing
        return lambda: model

    def live() -> T:
        found = reference()
        if found is None:
            raise RuntimeError(
                "The model this rnnlens engine or compiled function evaluates was garbage-collected. "
                "Keep a reference to the model while you use what was built on it, or build it again."
            )
        return found

    return live
