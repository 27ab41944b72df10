"""Tracing's chunk sizes, from the shared seam :mod:`rnnlens.execution`.

Kept for compatibility: the names below keep their signatures and delegate to the seam, which sizes the
chunks of tracing, attribution and decoding by one rule.
"""

from __future__ import annotations

from typing import Any

from rnnlens import execution

__all__ = [
    "WORK_FACTOR",
    "check_batch_size",
    "check_memory_budget",
    "chunk_bounds",
    "chunk_size",
]

# The compiled replay holds each quantity's (time, batch, unit) buffer, the NaN-masked gate copies and the
# framework allocator's slack at once: about four times the bytes a sample's trace occupies. Measured with
# bench/trace.py memory: anonymous memory grew by 236 / 452 / 883 MB for budgets of 256 / 512 / 1024 MB.
WORK_FACTOR = 4


def check_batch_size(batch_size: Any) -> None:
    """Refuse a ``batch_size`` that is not a positive integer or None.

    Raises:
        OptionError: 0, a negative number, a float, a bool or not a number.
    """
    execution.check_batch_size(batch_size, "batch_size", allow_none=True)


def check_memory_budget(memory_budget_mb: Any) -> None:
    """Refuse a memory budget that is not a finite positive number of megabytes (None: no bound).

    Raises:
        OptionError: 0, a negative number, NaN, inf, a bool or not a number.
    """
    execution.check_memory_budget(memory_budget_mb, allow_none=True)


def chunk_size(
    n_samples: int,
    bytes_per_sample: int,
    memory_budget_mb: float | None,
    batch_size: int | None,
) -> int:
    """Samples per chunk: at most ``batch_size`` if given, else as many as ``memory_budget_mb`` allows.

    ``bytes_per_sample`` is what one sample's trace occupies; the replay's working memory is
    :data:`WORK_FACTOR` times that.

    Raises:
        OptionError: ``batch_size`` is not a positive integer, or the budget is not a finite positive
            number.
    """
    check_batch_size(batch_size)
    check_memory_budget(memory_budget_mb)
    return execution.rows_per_chunk(
        n_samples,
        max(bytes_per_sample, 1) * WORK_FACTOR,
        batch_size=batch_size,
        memory_budget_mb=memory_budget_mb,
    )


def chunk_bounds(n_samples: int, size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_samples)`` in chunks of ``size``."""
    return [(chunk.start, chunk.stop) for chunk in execution.plan_chunks(n_samples, size)]
