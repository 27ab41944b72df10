"""Adaptive quadrature along the straight path from a baseline to the input.

Integrated gradients integrates ``dF/da`` along ``b + a (x - b)``, ``a`` in [0, 1]. A fixed rule (50 or 256
points) assumes ``F`` changes smoothly along the path. Recurrent networks break that assumption: an LSTM
that latches a memory flips from one attractor to the other within a tiny stretch of the path (on the box
benchmark, the logit jumps by 10 within ``da = 5e-4``), a fixed rule steps over the jump, and the
attributions keep only the gradients of the last, uninformative steps while the completeness gap reaches
100 %. This module places the points where ``F`` changes, per row:

1. **Locate** (forward passes only, cheap): ``F`` on a grid of the path, then every interval over which
   ``F`` changes by more than a share of the row's scale is bisected, until no interval carries more than
   that share or it is narrower than float32 can resolve.
2. **Integrate** (gradients): the intervals are merged into segments carrying at most that share of the
   change, and each segment gets a Gauss-Legendre rule. Each segment is checked on its own: its rule's
   integral of ``dF/da`` must match ``F(end) - F(start)``, measured by the forward passes. A segment that
   misses its share of the error budget is halved and integrated again.

The result is exact where the model is smooth and resolves jumps instead of ignoring them; every row's
completeness gap stays within ``tolerance`` of its scale unless a jump is narrower than float32 (reported
by the completeness gap, never hidden).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rnnlens.attribution.engine import Engine
    from rnnlens.attribution.problem import Problem

__all__ = ["AdaptivePath", "adaptive_path_gradients"]

# Points of the first forward grid, and Gauss-Legendre points per segment.
_GRID = 32
_NODES = 4
# No interval is split below this width: float32 cannot place points closer together on a unit path.
_MIN_WIDTH = 2.0**-20
# Rounds of bisection (forward) and of segment halving (gradients): 2^-22 is reached within these.
_MAX_ROUNDS = 24


@dataclass(frozen=True)
class AdaptivePath:
    """What the adaptive rule spent and reached, per row.

    Attributes:
        gradient_points: ``(rows,)`` gradient evaluations (the "steps" of integrated gradients).
        forward_points: ``(rows,)`` forward evaluations spent locating where ``F`` changes.
        segments: ``(rows,)`` segments of the final rule.
        converged: ``(rows,)`` True where every segment met its error budget.
    """

    gradient_points: np.ndarray
    forward_points: np.ndarray
    segments: np.ndarray
    converged: np.ndarray


def adaptive_path_gradients(
    engine: Engine,
    problem: Problem,
    start: list[np.ndarray],
    *,
    tolerance: float = 0.01,
    max_points: int = 1024,
) -> tuple[list[np.ndarray], np.ndarray, AdaptivePath]:
    """``integral_0^1 grad F(b + a (x - b)) da`` per row and input, with points placed where ``F`` changes.

    Args:
        engine: the model's engine.
        problem: the prepared batch (inputs, tokens, target rows).
        start: per input, the path's start ``(samples, ...)`` (the baseline) in attribution space.
        tolerance: the completeness error allowed per row, as a share of its scale
            ``max(|F(x) - F(b)|, 1e-3 * max(1, |F(x)|))``.
        max_points: segments are no longer halved once halving them would take a row past this many
            gradient points (the first rule, one per segment found by the forward passes, always runs).

    Returns:
        The integrated gradients per input (float64, ``(rows, ...)``, not yet multiplied by ``x - b``),
        ``F(b)`` per row (float64), and the :class:`AdaptivePath` record.
    """
    n_rows = problem.n_rows
    samples = problem.target.row_samples()
    diffs = [x - b for x, b in zip(problem.space, start, strict=True)]

    def path_values(rows: np.ndarray, alphas: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)

        def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
            r, a = rows[indices], alphas[indices]
            s = samples[r]
            points = [b[s] + _column(a, b.ndim) * d[s] for b, d in zip(start, diffs, strict=True)]
            return points, [t[s] for t in problem.tokens], problem.target.weights[r]

        n = len(rows)
        values = engine.values(
            problem.target.output, build, n, problem.chunk(n, engine, gradients=False)
        )
        return np.asarray(values, dtype=np.float64)

    # 1. Locate: the forward grid, then bisect intervals carrying too much of the change.
    grid = np.linspace(0.0, 1.0, _GRID + 1)
    rows = np.repeat(np.arange(n_rows), len(grid))
    values = path_values(rows, np.tile(grid, n_rows)).reshape(n_rows, len(grid))
    edges = [grid.copy() for _ in range(n_rows)]
    levels = [v for v in values]
    forward = np.full(n_rows, len(grid))
    scale = np.maximum(
        np.abs(values[:, -1] - values[:, 0]), 1e-3 * np.maximum(1.0, np.abs(values[:, -1]))
    )
    share = 2 * tolerance  # no interval carries more than two tolerances of the change
    for _ in range(_MAX_ROUNDS):
        split_rows, split_alphas = [], []
        for row in range(n_rows):
            e, v = edges[row], levels[row]
            wide = (np.abs(np.diff(v)) > share * scale[row]) & (np.diff(e) > _MIN_WIDTH)
            if wide.any():
                split_rows.append(np.full(int(wide.sum()), row))
                split_alphas.append(((e[:-1] + e[1:]) / 2)[wide])
        if not split_rows:
            break
        r = np.concatenate(split_rows)
        a = np.concatenate(split_alphas)
        new = path_values(r, a)
        for row in np.unique(r):
            picked = r == row
            e = np.concatenate([edges[row], a[picked]])
            v = np.concatenate([levels[row], new[picked]])
            order = np.argsort(e, kind="stable")
            edges[row], levels[row] = e[order], v[order]
            forward[row] += int(picked.sum())

    # 2. Segments: merge intervals while the change they carry stays within the share.
    pending: list[tuple[int, float, float, float, float]] = []  # row, a0, a1, F(a0), F(a1)
    for row in range(n_rows):
        pending.extend(_segments(row, edges[row], levels[row], share * scale[row]))
    variation = np.array([np.abs(np.diff(v)).sum() for v in levels])

    # 3. Integrate segment by segment; halve (and integrate again) those that miss their budget.
    totals = [np.zeros((n_rows, *x.shape[1:]), np.float64) for x in problem.space]
    gradient_points = np.zeros(n_rows, np.int64)
    segments = np.zeros(n_rows, np.int64)
    spent = np.zeros(n_rows)  # the integration error of the segments kept so far, per row
    per_call = max(1, problem.chunk(len(pending) * _NODES, engine) // _NODES)
    for round_ in range(_MAX_ROUNDS):
        halves: list[tuple[int, float, float, float, float]] = []
        # Halving every segment a row has waiting must fit its budget, or they are all kept as they are.
        waiting = np.bincount([p[0] for p in pending], minlength=n_rows)
        for first in range(0, len(pending), per_call):
            group = pending[first : first + per_call]
            group_rows = np.array([p[0] for p in group], np.int64)
            # Segments that cannot be halved (float32's resolution, or the row's point budget) are kept
            # as they are: the gap they leave is reported by the result, never hidden.
            final = (
                np.array([(p[2] - p[1]) / 2 < _MIN_WIDTH for p in group])
                | (gradient_points[group_rows] + 2 * _NODES * waiting[group_rows] > max_points)
                | (round_ == _MAX_ROUNDS - 1)
            )
            accept = _integrate(
                engine,
                problem,
                start,
                diffs,
                group,
                tolerance,
                scale,
                variation,
                totals,
                final,
                spent,
            )
            gradient_points += _NODES * np.bincount(group_rows, minlength=n_rows)
            segments += np.bincount(group_rows[accept | final], minlength=n_rows)
            halves.extend(group[i] for i in np.flatnonzero(~accept & ~final))
        if not halves:
            break
        middles = np.array([(p[1] + p[2]) / 2 for p in halves])
        half_rows = np.array([p[0] for p in halves], np.int64)
        mid_values = path_values(half_rows, middles)
        forward += np.bincount(half_rows, minlength=n_rows)
        pending = []
        for (row, lo, hi, f_lo, f_hi), mid, f_mid in zip(halves, middles, mid_values, strict=True):
            pending.append((row, lo, float(mid), f_lo, float(f_mid)))
            pending.append((row, float(mid), hi, float(f_mid), f_hi))
    change = values[:, -1] - values[:, 0]
    reached = sum(
        (t * d[samples]).reshape(n_rows, -1).sum(axis=1) for t, d in zip(totals, diffs, strict=True)
    )
    converged = np.abs(reached - change) <= tolerance * scale
    record = AdaptivePath(gradient_points, forward, segments, converged)
    return totals, values[:, 0], record


def _segments(
    row: int, edges: np.ndarray, levels: np.ndarray, share: float
) -> list[tuple[int, float, float, float, float]]:
    """Merge consecutive intervals while the change they carry (summed in absolute value) fits ``share``,
    and the segment spans at most an eighth of the path (so smooth stretches still get several rules)."""
    out = []
    first = 0
    carried = 0.0
    for i in range(1, len(edges)):
        step = abs(levels[i] - levels[i - 1])
        if i - 1 > first and (carried + step > share or edges[i] - edges[first] > 0.125):
            out.append(
                (row, float(edges[first]), float(edges[i - 1]), levels[first], levels[i - 1])
            )
            first, carried = i - 1, 0.0
        carried += step
    out.append((row, float(edges[first]), float(edges[-1]), levels[first], levels[-1]))
    return out


def _integrate(
    engine: Engine,
    problem: Problem,
    start: list[np.ndarray],
    diffs: list[np.ndarray],
    group: list[tuple[int, float, float, float, float]],
    tolerance: float,
    scale: np.ndarray,
    variation: np.ndarray,
    totals: list[np.ndarray],
    final: np.ndarray,
    spent: np.ndarray,
) -> np.ndarray:
    """Integrate each segment of ``group`` with the Gauss-Legendre rule; add to ``totals`` the segments
    that meet their share of the error budget, and the ``final`` ones (which cannot be halved); return
    which segments met their budget.

    A segment's budget is ``tolerance / 2`` of its row's scale, shared out by the segment's width and by
    the part of the row's total variation it carries, so the budgets of a row add up to half its tolerance.
    """
    nodes, node_weights = np.polynomial.legendre.leggauss(_NODES)
    seg = np.array([p[:3] for p in group], np.float64)
    seg_rows = seg[:, 0].astype(np.int64)
    a0, width = seg[:, 1], seg[:, 2] - seg[:, 1]
    alphas = (a0[:, None] + (nodes[None, :] + 1) / 2 * width[:, None]).ravel()
    weights = (node_weights[None, :] / 2 * width[:, None]).ravel()
    rows = np.repeat(seg_rows, _NODES)
    samples = problem.target.row_samples()[rows]
    target_weights = problem.target.weights
    n = len(rows)

    def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        s = samples[indices]
        points = [
            b[s] + _column(alphas[indices], b.ndim) * d[s]
            for b, d in zip(start, diffs, strict=True)
        ]
        weighted = target_weights[rows[indices]] * _column(weights[indices], target_weights.ndim)
        return points, [t[s] for t in problem.tokens], weighted

    grads = [np.zeros((n, *x.shape[1:]), np.float64) for x in problem.space]
    for indices, n_valid, chunk in engine.gradients(problem.target.output, build, n, n):
        for out, grad in zip(grads, chunk, strict=True):
            out[indices[:n_valid]] = np.asarray(grad[:n_valid], dtype=np.float64)
    slopes = sum(
        (g * d[samples]).reshape(n, -1).sum(axis=1) for g, d in zip(grads, diffs, strict=True)
    )
    integral = np.asarray(slopes, np.float64).reshape(len(group), _NODES).sum(axis=1)
    change = np.array([p[4] - p[3] for p in group])
    error = np.abs(integral - change)
    share = (width + np.abs(change) / np.maximum(variation[seg_rows], 1e-300)) / 2
    accept = error <= tolerance * scale[seg_rows] * share
    # A row whose errors, these segments' and those already kept, add up to under half its tolerance
    # keeps all of them: the per-segment shares only decide which segments to halve.
    pending_error = np.bincount(seg_rows, weights=error, minlength=len(scale))
    done = spent + pending_error <= 0.5 * tolerance * scale
    accept |= done[seg_rows]
    np.add.at(spent, seg_rows[accept | final], error[accept | final])
    kept = np.repeat(accept | final, _NODES)
    for total, grad in zip(totals, grads, strict=True):
        np.add.at(total, rows[kept], grad[kept])
    return accept


def _column(values: np.ndarray, ndim: int) -> np.ndarray:
    return values.astype(np.float32).reshape((-1,) + (1,) * (ndim - 1))
