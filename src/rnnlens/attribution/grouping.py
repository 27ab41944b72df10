"""Grouped attributions: one value per group of cells, never summed over the group's cells.

Feature ablation replaces a whole group of cells (a time step, a feature, a custom set) at once and measures
one drop for it. A result stores that drop at every cell of the group (so heatmaps show it), plus the group
map ``(time, feature)`` (``(token,)`` for token inputs) of integer group ids, ``-1`` for cells in no group.
Reading such a result goes through these functions, which count each group once.
"""

from __future__ import annotations

import numpy as np

from rnnlens.errors import ShapeError

__all__ = ["group_labels", "group_positions", "group_values", "reduce_to_axis"]


def group_labels(groups: np.ndarray) -> np.ndarray:
    """The group ids present, sorted (cells with a negative id belong to no group)."""
    return np.unique(groups[groups >= 0])


def group_values(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """``(..., n_groups)``: each group's value, read at its first cell.

    Args:
        values: ``(..., *groups.shape)`` per-cell values that are constant over each group.
        groups: the group map.
    """
    lead = values.ndim - groups.ndim
    flat = values.reshape(*values.shape[:lead], -1)
    ids = groups.ravel()
    firsts = np.array([np.flatnonzero(ids == label)[0] for label in group_labels(groups)], int)
    return flat[..., firsts]


def group_positions(groups: np.ndarray, axis: int) -> np.ndarray:
    """``(n_groups,)`` the index along cell axis ``axis`` of each group, ``-1`` where it spans several."""
    coordinates = np.indices(groups.shape)[axis]
    positions = []
    for label in group_labels(groups):
        found = np.unique(coordinates[groups == label])
        positions.append(int(found[0]) if len(found) == 1 else -1)
    return np.asarray(positions, dtype=np.int64)


def reduce_to_axis(
    values: np.ndarray, groups: np.ndarray, axis: int, axis_name: str, input_name: str
) -> np.ndarray:
    """``(..., groups.shape[axis])``: per index of cell axis ``axis``, the sum of the groups lying there.

    Each group counts once (its value, not its value times its cell count).

    Raises:
        ShapeError: a group spans several indices of ``axis``, so its value cannot be split among them.
    """
    positions = group_positions(groups, axis)
    spanning = group_labels(groups)[positions < 0]
    if len(spanning):
        raise ShapeError(
            f"Input {input_name!r} was attributed one value per group of cells, and group "
            f"{int(spanning[0])} spans several {axis_name} positions, so there is no value per "
            f"{axis_name}. Use group_values() for one value per group, or the reduction along the "
            "groups' own axis."
        )
    matrix = np.zeros((len(positions), groups.shape[axis]), dtype=np.float64)
    matrix[np.arange(len(positions)), positions] = 1.0
    return np.asarray(group_values(values, groups) @ matrix, dtype=values.dtype)
