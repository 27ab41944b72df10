"""Split a batch into chunks whose working memory stays inside a budget."""

from __future__ import annotations

import math
import numbers
from typing import Any

from rnnlens.errors import OptionError

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
    if batch_size is None:
        return
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise OptionError(
            f"Argument `batch_size` must be a positive integer or None, received {batch_size!r}."
        )


def check_memory_budget(memory_budget_mb: Any) -> None:
    """Refuse a memory budget that is not a finite positive number of megabytes (None: no bound).

    Raises:
        OptionError: 0, a negative number, NaN, inf, a bool or not a number.
    """
    if memory_budget_mb is None:
        return
    if (
        isinstance(memory_budget_mb, bool)
        or not isinstance(memory_budget_mb, numbers.Real)
        or not math.isfinite(memory_budget_mb)
        or memory_budget_mb <= 0
    ):
        raise OptionError(
            "Argument `memory_budget_mb` (--memory-budget-mb) must be a finite positive number of "
            f"megabytes, received {memory_budget_mb!r}. Give a bound such as 1024 (the API also takes "
            "None for no bound)."
        )


def chunk_size(
    n_samples: int,
    bytes_per_sample: int,
    memory_budget_mb: float | None,
    batch_size: int | None,
) -> int:
    """Samples per chunk: ``batch_size`` if given, else as many as ``memory_budget_mb`` allows (at least 1).

    Raises:
        OptionError: ``batch_size`` is not a positive integer, or the budget is not a finite positive
            number.
    """
    check_batch_size(batch_size)
    check_memory_budget(memory_budget_mb)
    if batch_size is not None:
        return min(int(batch_size), max(n_samples, 1))
    if memory_budget_mb is None:
        return max(n_samples, 1)
    per_sample = max(bytes_per_sample, 1) * WORK_FACTOR
    fits = math.floor(memory_budget_mb * 2**20 / per_sample)
    return max(1, min(fits, max(n_samples, 1)))


def chunk_bounds(n_samples: int, size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_samples)`` in chunks of ``size``."""
    return [(start, min(start + size, n_samples)) for start in range(0, n_samples, size)]
