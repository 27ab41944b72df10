"""Which cells a faithfulness curve removes, and in what order: pure NumPy, no model calls."""

from __future__ import annotations

import numpy as np

__all__ = ["cell_counts", "cell_ranks", "group_ranks"]


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


def group_ranks(
    scores: np.ndarray, cell_groups: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rank whole groups of cells: every cell of a group gets its group's place in the removal order.

    For grouped attributions (feature ablation), where a value belongs to a group, not to each cell: a
    curve then removes one group per rank, never part of a group.

    Args:
        scores: ``(sample, groups)`` importance of each group.
        cell_groups: ``(cells,)`` the position (in ``scores``) of each cell's group, ``-1`` for none.
        valid: ``(sample, cells)`` booleans; a group is ranked when any of its cells is valid.

    Returns:
        ``(sample, cells)`` ranks (``-1`` for cells in no group or invalid) and ``(sample,)`` the number
        of ranked groups.

    Example:
        >>> ranks, n = group_ranks(np.array([[1.0, 3.0]]), np.array([0, 0, 1, -1]), np.ones((1, 4), bool))
        >>> ranks.tolist(), n.tolist()
        ([[1, 1, 0, -1]], [2])
    """
    n_groups = scores.shape[1]
    member = cell_groups[None, :] == np.arange(n_groups)[:, None]  # (groups, cells)
    group_valid = (valid[:, None, :] & member[None]).any(axis=2)  # (sample, groups)
    ranks = cell_ranks(scores, group_valid)
    in_group = cell_groups >= 0
    cell = np.where(in_group[None, :], ranks[:, np.where(in_group, cell_groups, 0)], -1)
    return np.where(valid & (cell >= 0), cell, -1), group_valid.sum(axis=1)
