"""Split many model evaluations into a few large compiled calls that fit a memory budget."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from rnnlens.attribution.options import OptionError, check_positive_int

__all__ = ["DEFAULT_MEMORY_BUDGET_MB", "chunk_indices", "chunk_size"]

DEFAULT_MEMORY_BUDGET_MB = 512
_MAX_ROWS = 8192


def chunk_size(
    n_rows: int,
    bytes_per_row: int,
    internal_batch_size: int | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
) -> int:
    """Rows per compiled call: ``internal_batch_size`` if given, else as many as the budget allows.

    Args:
        n_rows: evaluations needed in total (samples x interpolation points, or x occlusion variants).
        bytes_per_row: estimated memory one row needs in a forward + backward pass.
        internal_batch_size: Captum's option: at most this many rows per call.
        memory_budget_mb: the budget used when ``internal_batch_size`` is None.

    Returns:
        A size in ``[1, n_rows]``, balanced so the chunks have (nearly) equal sizes.
    """
    if internal_batch_size is not None:
        limit = check_positive_int(internal_batch_size, "internal_batch_size")
    else:
        if (
            isinstance(memory_budget_mb, bool)
            or not isinstance(memory_budget_mb, int | float | np.integer | np.floating)
            or not math.isfinite(memory_budget_mb)
            or memory_budget_mb <= 0
        ):
            raise OptionError(
                "Argument `memory_budget_mb` must be a finite number of megabytes > 0, received "
                f"{memory_budget_mb!r}. It sizes the compiled calls; pass internal_batch_size to fix "
                "their row count instead."
            )
        limit = int(memory_budget_mb * 2**20 // max(bytes_per_row, 1))
        limit = min(max(limit, 1), _MAX_ROWS)
    n_rows = max(n_rows, 1)
    n_chunks = math.ceil(n_rows / limit)
    return math.ceil(n_rows / n_chunks)


def chunk_indices(n_rows: int, size: int) -> Iterator[tuple[np.ndarray, int]]:
    """Yield ``(indices, n_valid)`` covering ``range(n_rows)`` in chunks of exactly ``size`` rows.

    The last chunk is padded by repeating its final index, so every compiled call sees the same shape and
    is traced once; callers keep only the first ``n_valid`` results.
    """
    for start in range(0, n_rows, size):
        stop = min(start + size, n_rows)
        indices = np.arange(start, start + size)
        indices[stop - start :] = stop - 1
        yield indices, stop - start
