"""The value of coalitions: ``v(S) = F(x with the cells of players outside S replaced by the baseline)``.

Every coalition of every row a computation asks for goes through the model's compiled forward function
in a few large chunks (:meth:`rnnlens.attribution.engine.Engine.values`), as for occlusion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rnnlens.attribution.problem import Problem
    from rnnlens.attribution.shapley.players import Game

__all__ = ["Locate", "coalition_values", "listed_values", "significant"]

# indices -> (rows (k,), coalitions (k, n_max) booleans): which row and which players each index keeps.
Locate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

_NOISE_ULPS = 4


def coalition_values(
    problem: Problem, games: Sequence[Game], n_total: int, locate: Locate
) -> np.ndarray:
    """``v(S)`` for ``n_total`` (row, coalition) pairs described by ``locate``, as float64.

    Args:
        problem: the prepared batch (rows are its explained rows).
        games: one game per explained row.
        n_total: how many evaluations.
        locate: maps evaluation indices to their rows and coalitions ``(k, n_max)``, where ``n_max`` is
            the largest game's number of players (columns beyond a row's players are ignored).

    Returns:
        ``(n_total,)`` values of the target.
    """
    n_max = max(game.n for game in games)
    # Per input, every row's player map; cells that are no player point at an always-kept column.
    members = [
        np.stack([np.where(game.members[i] >= 0, game.members[i], n_max) for game in games])
        for i in range(len(problem.space))
    ]
    per_sample = problem.target.per_sample
    weights = problem.target.weights

    def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        rows, coalitions = locate(indices)
        k = len(rows)
        kept_columns = np.ones((k, n_max + 1), dtype=bool)
        kept_columns[:, : coalitions.shape[1]] = coalitions
        samples = rows // per_sample
        inputs = []
        for x, baseline, member in zip(problem.space, problem.baselines, members, strict=True):
            ids = member[rows]
            kept = np.take_along_axis(kept_columns, ids.reshape(k, -1), axis=1).reshape(ids.shape)
            inputs.append(np.where(kept, x[samples], baseline[samples]))
        return inputs, [t[samples] for t in problem.tokens], weights[rows]

    engine = problem.engine
    values = engine.values(
        problem.target.output, build, n_total, problem.chunk(n_total, engine, gradients=False)
    )
    return values.astype(np.float64)


def significant(later: np.ndarray, earlier: np.ndarray, scale: float = 0.0) -> np.ndarray:
    """``later - earlier``, with differences within a few float32 ulps of the values set to 0.

    The same input can round differently at another position of a batch (blocked matmul kernels); a
    player the target ignores must get exactly 0, not that noise. ``scale`` sets a floor: an output
    near zero carries the rounding of the larger numbers it was computed from (activations of order 1),
    so callers pass ``max(|v(N)|, |v(empty)|, 1)``: differences below ~5e-7 in the target's units (or
    a few ulps of larger values) count as noise.
    """
    diff = later - earlier
    scale = np.maximum(np.maximum(np.abs(later), np.abs(earlier)), scale).astype(np.float32)
    noise = _NOISE_ULPS * np.spacing(scale).astype(np.float64)
    return np.where(np.abs(diff) <= noise, 0.0, diff)


def listed_values(
    problem: Problem, games: Sequence[Game], rows: np.ndarray, coalitions: np.ndarray
) -> np.ndarray:
    """:func:`coalition_values` of listed requests: ``rows`` ``(k,)`` and ``coalitions`` ``(k, n_max)``."""
    return coalition_values(problem, games, len(rows), lambda i: (rows[i], coalitions[i]))
