"""Attribution's chunk sizes, from the shared seam :mod:`rnnlens.execution`.

Kept for compatibility: :func:`chunk_size` and :func:`chunk_indices` keep their signatures and results,
and delegate to :func:`rnnlens.execution.rows_per_chunk` and :func:`rnnlens.execution.plan_chunks`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnnlens.execution import (
    DEFAULT_MEMORY_BUDGET_MB,
    check_memory_budget,
    plan_chunks,
    rows_per_chunk,
)

__all__ = ["DEFAULT_MEMORY_BUDGET_MB", "MAX_ROWS", "chunk_indices", "chunk_size", "size_bucket"]

# More rows per compiled call buy no speed on the models rnnlens explains, and cost memory.
MAX_ROWS = 8192


def chunk_size(
    n_rows: int,
    bytes_per_row: int,
    internal_batch_size: int | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    *,
    few_sizes: bool = False,
) -> int:
    """Rows per compiled call: ``internal_batch_size`` if given, else as many as the budget allows.

    Args:
        n_rows: evaluations needed in total (samples x interpolation points, or x occlusion variants).
        bytes_per_row: estimated memory one row needs (see :mod:`rnnlens.attribution.memory`).
        internal_batch_size: Captum's option: at most this many rows per call.
        memory_budget_mb: the budget used when ``internal_batch_size`` is None.
        few_sizes: round the size to one of :func:`size_bucket`'s few sizes (for backends that compile
            anew for each batch size); the last chunk is padded up to it.

    Returns:
        A size in ``[1, n_rows]``, balanced so the chunks have (nearly) equal sizes; with ``few_sizes``, a
        bucket size that may exceed ``n_rows`` but never the limit.

    Raises:
        OptionError: ``internal_batch_size`` is not an integer >= 1, or (without it) the budget is not
            a finite positive number.
    """
    # The explicit size wins, and then the budget is not used (nor checked); without it, a budget is
    # required (None is no bound for tracing, but attribution rows multiply: n_steps x samples).
    budget = None if internal_batch_size is not None else check_memory_budget(memory_budget_mb)
    size = rows_per_chunk(
        n_rows,
        bytes_per_row,
        batch_size=internal_batch_size,
        memory_budget_mb=budget,
        max_rows=MAX_ROWS,
        batch_size_name="internal_batch_size",
    )
    if not few_sizes:
        return size
    limit = internal_batch_size or min(int(budget or 0) * 2**20 // max(bytes_per_row, 1), MAX_ROWS)
    return size_bucket(size, max(int(limit), 1))


def size_bucket(size: int, limit: int) -> int:
    """The smallest of the sizes ``1, 2, 3`` and ``m * 2**k`` (``m`` in 4..7) at least ``size``, within ``limit``.

    Consecutive sizes differ by at most a third, so padding a chunk up to its bucket wastes under 25 % of
    it on average, while a backend that compiles per batch size meets only a few sizes per octave. Above
    ``limit``, the largest bucket within it.

    Example:
        >>> [size_bucket(n, 10_000) for n in (3, 9, 33, 2048, 2049)]
        [3, 10, 40, 2048, 2560]
        >>> size_bucket(2049, limit=2100)
        2048
    """
    buckets, scale = [1, 2, 3], 1
    while buckets[-1] < max(size, limit):
        buckets.extend(m * scale for m in (4, 5, 6, 7))
        scale *= 2
    within = [b for b in buckets if b <= limit] or [1]
    return min((b for b in within if b >= size), default=within[-1])


def chunk_indices(n_rows: int, size: int) -> Iterator[tuple[np.ndarray, int]]:
    """Yield ``(indices, n_valid)`` covering ``range(n_rows)`` in chunks of exactly ``size`` rows.

    The last chunk is padded by repeating its final index, so every compiled call sees one shape and is
    traced once; callers keep only the first ``n_valid`` results.
    """
    for chunk in plan_chunks(n_rows, size):
        yield chunk.indices, chunk.n_valid
