"""Gradients along straight paths, batched: the shared core of the gradient-based methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rnnlens.attribution.base import Problem
    from rnnlens.attribution.engine import Engine

__all__ = ["path_gradients"]


def path_gradients(
    engine: Engine,
    problem: Problem,
    alphas: np.ndarray,
    weights: np.ndarray,
    start: list[np.ndarray] | None,
) -> list[np.ndarray]:
    """``sum_i weights[i] * grad F(start + alphas[i] * (x - start))`` for every row, per input.

    All (row, alpha) points go through the compiled gradient function in a few large chunks; the alpha
    weight is folded into the target weights, so the backend returns already-weighted gradients.

    Args:
        engine: the model's engine.
        problem: the prepared batch (inputs, tokens, target rows).
        alphas: interpolation points ``(n,)`` in [0, 1]; with ``start=None`` the points are ``x`` itself.
        weights: quadrature weights ``(n,)``.
        start: per input, the path's start ``(samples, ...)`` (the baseline), or None.

    Returns:
        One float64 array per input, ``(rows, ...)`` in attribution space.
    """
    n_alphas = len(alphas)
    per_sample = problem.target.per_sample
    target_weights = problem.target.weights
    n_points = problem.n_rows * n_alphas
    diffs = None if start is None else [x - b for x, b in zip(problem.space, start, strict=True)]

    def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        rows = indices // n_alphas
        steps = indices % n_alphas
        samples = rows // per_sample
        if start is None or diffs is None:
            points = [x[samples] for x in problem.space]
        else:
            points = [
                b[samples] + _column(alphas[steps], x.ndim) * d[samples]
                for x, b, d in zip(problem.space, start, diffs, strict=True)
            ]
        scale = _column(weights[steps], target_weights.ndim)
        return points, [t[samples] for t in problem.tokens], (target_weights[rows] * scale)

    totals = [np.zeros((problem.n_rows, *x.shape[1:]), np.float64) for x in problem.space]
    size = problem.chunk(n_points, engine)
    for indices, n_valid, grads in engine.gradients(problem.target.output, build, n_points, size):
        rows = indices[:n_valid] // n_alphas
        firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        for total, grad in zip(totals, grads, strict=True):
            # Summed in float64 without a float64 copy of the chunk (a fresh allocation that size
            # costs more than the sum on a VM that backs new pages lazily).
            total[rows[firsts]] += np.add.reduceat(grad, firsts, axis=0, dtype=np.float64)
    return totals


def _column(values: np.ndarray, ndim: int) -> np.ndarray:
    return values.astype(np.float32).reshape((-1,) + (1,) * (ndim - 1))
