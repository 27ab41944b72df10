"""Exact Shapley values by enumerating every coalition of a game (float64 formula).

For a game of ``n`` players, all ``2^n`` coalitions are evaluated once (batched over rows), then

``phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb
from typing import TYPE_CHECKING

import numpy as np

from rnnlens.attribution.shapley.evaluation import coalition_values, significant

if TYPE_CHECKING:
    from rnnlens.attribution.problem import Problem
    from rnnlens.attribution.shapley.players import Game

__all__ = ["EXACT_PLAYERS", "MAX_EXACT_PLAYERS", "exact_values", "shapley_from_table"]

# Automatic enumeration up to this many players (2^14 = 16,384 evaluations per row).
EXACT_PLAYERS = 14
# exact=True enumerates at most this many (2^22 = 4.2 million evaluations per row).
MAX_EXACT_PLAYERS = 22


def exact_values(
    problem: Problem, games: Sequence[Game], rows: Sequence[int]
) -> tuple[list[np.ndarray], np.ndarray]:
    """The exact Shapley values and ``v(empty)`` of the given rows' games.

    Args:
        problem: the prepared batch; games: one per explained row; rows: the rows to enumerate.

    Returns:
        ``(values, empty)``: per given row ``(n_players,)`` float64 values, and ``v(empty)`` per given row.
    """
    chosen = np.asarray(rows, dtype=np.int64)
    sizes = np.array([1 << games[r].n for r in chosen], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n_max = max(game.n for game in games)
    bits = np.int64(1) << np.arange(n_max, dtype=np.int64)

    def locate(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        which = np.searchsorted(offsets, indices, side="right") - 1
        local = indices - offsets[which]
        return chosen[which], (local[:, None] & bits[None, :]) != 0

    table = coalition_values(problem, games, int(offsets[-1]), locate)
    values = [
        shapley_from_table(table[offsets[j] : offsets[j + 1]], games[r].n)
        for j, r in enumerate(chosen)
    ]
    return values, table[offsets[:-1]]


def shapley_from_table(table: np.ndarray, n: int) -> np.ndarray:
    """Shapley values from ``v`` of all ``2^n`` coalitions (coalition ``S`` at index ``sum 2^i, i in S``).

    Example:
        >>> v = np.array([0.0, 1.0, 2.0, 5.0])  # v({0}) = 1, v({1}) = 2, v({0, 1}) = 5
        >>> shapley_from_table(v, 2)
        array([2., 3.])
    """
    index = np.arange(1 << n, dtype=np.int64)
    size = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        size += (index >> i) & 1
    weight = np.array([1.0 / (n * comb(n - 1, s)) for s in range(n)])
    scale = max(abs(table[0]), abs(table[-1]), 1.0)
    values = np.zeros(n)
    for i in range(n):
        without = index[(index >> i) & 1 == 0]
        values[i] = np.dot(
            weight[size[without]], significant(table[without | (1 << i)], table[without], scale)
        )
    return values
