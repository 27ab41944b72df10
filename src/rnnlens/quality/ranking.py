"""Which cells a faithfulness curve removes, and in what order: pure NumPy, no model calls."""

from __future__ import annotations

import numpy as np

__all__ = ["cell_counts", "cell_ranks"]


def cell_ranks(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Each cell's position in the removal order, highest score first; ``-1`` for excluded cells.

    Ties keep the cells' natural order (time-major), so the ranking is deterministic.

    Args:
        scores: ``(sample, cells)`` importance of each cell (``|attribution|`` or random keys).
        valid: ``(sample, cells)`` booleans; False cells (padded tokens) are never ranked.

    Returns:
        ``(sample, cells)`` int64 ranks: ``0`` is removed first.

    Example:
        >>> cell_ranks(np.array([[0.1, 3.0, 1.0]]), np.array([[True, True, True]])).tolist()
        [[2, 0, 1]]
    """
    keys = np.where(valid, -np.asarray(scores, dtype=np.float64), np.inf)
    order = np.argsort(keys, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(order.shape[0])[:, None]
    ranks[rows, order] = np.arange(order.shape[1])[None, :]
    return np.where(valid, ranks, -1)


def cell_counts(n_valid: np.ndarray, steps: int) -> np.ndarray:
    """Cells removed at fractions ``0, 1/steps, ..., 1``: ``k * n / steps`` rounded half up.

    Args:
        n_valid: ``(sample,)`` number of rankable cells per sample.
        steps: the number of fraction steps after 0.

    Returns:
        ``(sample, steps + 1)`` int64 counts, ``0`` first and ``n_valid`` last.

    Example:
        >>> cell_counts(np.array([10, 5]), 4).tolist()
        [[0, 3, 5, 8, 10], [0, 1, 3, 4, 5]]
    """
    k = np.arange(steps + 1, dtype=np.int64)[None, :]
    n = np.asarray(n_valid, dtype=np.int64)[:, None]
    return (2 * k * n + steps) // (2 * steps)  # exact integer round-half-up of k * n / steps
