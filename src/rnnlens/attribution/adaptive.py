"""Adaptive quadrature for path methods: more points only for the rows whose completeness gap is too big.

``n_steps="auto"`` starts every row at :data:`AUTO_START_STEPS` points of the method's rule and, for the
rows whose gap is not within :data:`~rnnlens.attribution.diagnostics.GAP_TOLERANCE` of
``|F(x) - F(b)|`` (see :func:`~rnnlens.attribution.diagnostics.converged`), integrates again with twice
the points, up to :data:`AUTO_MAX_STEPS`. Gauss-Legendre nodes of different orders do not nest, so a row
is recomputed from scratch with the finer rule; converged rows are never evaluated again. Rows that never
converge keep their finest integral and are named in a warning with their gap.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from rnnlens.attribution.diagnostics import (
    GAP_TOLERANCE,
    RnnlensWarning,
    converged,
    informative_floor,
)
from rnnlens.attribution.options import MAX_N_STEPS
from rnnlens.attribution.problem import Problem

__all__ = [
    "AUTO_MAX_STEPS",
    "AUTO_START_STEPS",
    "Integral",
    "Integrate",
    "attribution_totals",
    "gap_message",
    "integrate",
    "restrict_rows",
]

# Gauss-Legendre with 32 nodes integrates smooth recurrent paths to float32 precision in most rows.
AUTO_START_STEPS = 32
AUTO_MAX_STEPS = MAX_N_STEPS

# integrate(problem restricted to some rows, those rows' indices in the full problem, points) -> per input,
# (rows, ...) attributions in attribution space.
Integrate = Callable[[Problem, np.ndarray, int], list[np.ndarray]]


@dataclass(frozen=True, eq=False)
class Integral:
    """Attributions of every row, with the points each used and what is left of its gap.

    Attributes:
        values: per input, ``(rows, ...)`` attributions in attribution space.
        steps: ``(rows,)`` quadrature points used per row.
        gaps: ``(rows,)`` completeness gap ``sum(values) - (F(x) - F(b))`` per row.
        unconverged: indices of the rows whose gap is over the tolerance.
        warning: the message naming them (None when every row converged).
    """

    values: list[np.ndarray]
    steps: np.ndarray
    gaps: np.ndarray
    unconverged: np.ndarray
    warning: str | None


def integrate(
    problem: Problem,
    compute: Integrate,
    baseline_outputs: np.ndarray,
    n_steps: int | str,
    *,
    what: str,
    max_steps: int | None = None,
    warn: bool = True,
) -> Integral:
    """Integrate every row with ``n_steps`` points, or adaptively for ``"auto"``; warn about the gap.

    Args:
        problem: the prepared batch.
        compute: the method's integral for a subset of rows (see :data:`Integrate`).
        baseline_outputs: ``(rows,)`` the target at the (mean) baseline, ``F(b)``.
        n_steps: ``"auto"`` or the fixed number of points.
        what: the method in words, for the warning.
        max_steps: the most points ``"auto"`` doubles to (default :data:`AUTO_MAX_STEPS`).
        warn: issue the warning (False: only return it, for a caller that refines further).

    Returns:
        An :class:`Integral`. When rows are left over the tolerance, its ``warning`` is also issued with
        :func:`warnings.warn` (category :class:`~rnnlens.attribution.diagnostics.RnnlensWarning`).
    """
    auto = isinstance(n_steps, str)
    outputs = problem.target.values(problem.outputs)
    n_rows = problem.n_rows
    rows = np.arange(n_rows)
    values = [np.zeros((n_rows, *x.shape[1:]), np.float64) for x in problem.space]
    steps_used = np.zeros(n_rows, np.int64)
    gaps = np.zeros(n_rows, np.float64)
    most = AUTO_MAX_STEPS if max_steps is None else min(max_steps, AUTO_MAX_STEPS)
    steps = min(AUTO_START_STEPS, most) if auto else int(n_steps)
    while True:
        part_problem = problem if len(rows) == n_rows else restrict_rows(problem, rows)
        part = compute(part_problem, rows, steps)
        for total, piece in zip(values, part, strict=True):
            total[rows] = piece
        steps_used[rows] = steps
        gaps[rows] = attribution_totals(part_problem, part) - (
            outputs[rows] - baseline_outputs[rows]
        )
        rows = rows[~converged(gaps[rows], outputs[rows], baseline_outputs[rows])]
        if not auto or not len(rows) or steps >= most:
            break
        steps = min(2 * steps, most)
    message = None
    if len(rows):
        message = gap_message(problem, rows, gaps, outputs, baseline_outputs, steps, auto, what)
        if warn:
            warnings.warn(message, RnnlensWarning, stacklevel=3)
    return Integral(values, steps_used, gaps, rows, message)


def restrict_rows(problem: Problem, rows: np.ndarray) -> Problem:
    """The problem of the given rows only: one row per sample, the rows' samples repeated as needed.

    Example:
        >>> from rnnlens.attribution.problem import prepare_problem
        >>> problem = prepare_problem(model, x, target=(5, 0))
        >>> restrict_rows(problem, np.array([3, 1])).space[0].shape
        (2, 6, 2)
    """
    samples = problem.target.row_samples()[rows]
    target = replace(
        problem.target, weights=problem.target.weights[rows], per_sample=1, output_times=None
    )
    return replace(
        problem,
        arrays=[array[samples] for array in problem.arrays],
        space=[x[samples] for x in problem.space],
        tokens=[ids[samples] for ids in problem.tokens],
        masks=[mask[samples] if mask is not None else None for mask in problem.masks],
        outputs=[output[samples] for output in problem.outputs],
        target=target,
        baselines=[b[samples] for b in problem.baselines],
    )


def attribution_totals(problem: Problem, values: list[np.ndarray]) -> np.ndarray:
    """``(rows,)`` the sum of the attributions over every input, padded tokens left out (as results do)."""
    samples = problem.target.row_samples()
    total = np.zeros(problem.n_rows, np.float64)
    for slot, value, mask in zip(problem.engine.slots, values, problem.masks, strict=True):
        value = np.asarray(value, np.float64)
        if slot.tokens:
            value = value.sum(axis=-1)
            if mask is not None:
                value = np.where(mask[samples], value, 0.0)
        total += value.reshape(len(value), -1).sum(axis=1)
    return total


def gap_message(
    problem: Problem,
    rows: np.ndarray,
    gaps: np.ndarray,
    outputs: np.ndarray,
    baseline_outputs: np.ndarray,
    steps: int,
    auto: bool,
    what: str,
) -> str:
    """The warning naming the ``rows`` left with a gap over the tolerance, their worst gap and a remedy."""
    scale = np.maximum(np.abs(outputs - baseline_outputs), informative_floor(outputs))
    relative = np.abs(gaps[rows]) / scale[rows]
    per_sample = problem.target.per_sample
    times = problem.target.output_times
    named = [
        f"sample {row // per_sample}"
        + (f" step {times[row % per_sample]}" if times is not None else "")
        for row in rows[:8]
    ]
    more = f" and {len(rows) - 8} more" if len(rows) > 8 else ""
    head = (
        f"{what} did not converge: after {steps} points"
        if auto
        else f"{what} with n_steps={steps} left"
    )
    advice = (
        "The path crosses a steep region (saturated gates): try a baseline closer to the data "
        "(background=...)."
        if auto
        else "Use n_steps='auto' (more points only where needed) or more steps."
    )
    return (
        f"{head} a completeness gap over {GAP_TOLERANCE:.0%} of |F(x) - F(b)| in {len(rows)} row(s) "
        f"({', '.join(named)}{more}), up to {float(relative.max()):.1%}: their attributions do not "
        f"add up to the change they explain. {advice}"
    )
