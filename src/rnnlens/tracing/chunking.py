"""Split a batch into chunks whose working memory stays inside a budget."""

from __future__ import annotations

import math

from rnnlens.errors import ShapeError

__all__ = ["WORK_FACTOR", "chunk_bounds", "chunk_size"]

# The compiled replay holds each quantity's (time, batch, unit) buffer, the NaN-masked gate copies and the
# framework allocator's slack at once: about four times the bytes a sample's trace occupies. Measured with
# bench/trace.py memory: anonymous memory grew by 236 / 452 / 883 MB for budgets of 256 / 512 / 1024 MB.
WORK_FACTOR = 4


def chunk_size(
    n_samples: int,
    bytes_per_sample: int,
    memory_budget_mb: float | None,
    batch_size: int | None,
) -> int:
    """Samples per chunk: ``batch_size`` if given, else as many as ``memory_budget_mb`` allows (at least 1).

    Raises:
        ShapeError: ``batch_size`` is not a positive integer, or the budget is not positive.
    """
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ShapeError(
                f"Argument `batch_size` must be a positive integer or None, received {batch_size!r}."
            )
        return min(batch_size, max(n_samples, 1))
    if memory_budget_mb is None:
        return max(n_samples, 1)
    if not memory_budget_mb > 0:
        raise ShapeError(
            f"Argument `memory_budget_mb` must be a positive number of megabytes or None, received "
            f"{memory_budget_mb!r}."
        )
    per_sample = max(bytes_per_sample, 1) * WORK_FACTOR
    fits = math.floor(memory_budget_mb * 2**20 / per_sample)
    return max(1, min(fits, max(n_samples, 1)))


def chunk_bounds(n_samples: int, size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_samples)`` in chunks of ``size``."""
    return [(start, min(start + size, n_samples)) for start in range(0, n_samples, size)]
