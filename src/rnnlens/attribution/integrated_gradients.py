"""Integrated Gradients (Sundararajan et al., 2017), with the completeness gap it leaves."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from rnnlens.attribution.adaptive import (
    AUTO_MAX_STEPS,
    Integral,
    attribution_totals,
    gap_message,
    integrate,
    restrict_rows,
)
from rnnlens.attribution.base import Attribution, Problem, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.diagnostics import RnnlensWarning, converged
from rnnlens.attribution.gradients import path_gradients
from rnnlens.attribution.options import (
    AUTO_STEPS,
    INTEGRATION_METHODS,
    MAX_N_STEPS,
    OptionError,
    check_choice,
    check_positive_int,
)
from rnnlens.attribution.path_quadrature import adaptive_path_gradients

__all__ = [
    "INTEGRATION_METHODS",
    "MAX_N_STEPS",
    "IntegratedGradients",
    "check_steps",
    "integration_rule",
]


def integration_rule(method: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ``alphas`` in [0, 1] and weights (summing to 1) of a quadrature rule, Captum's names.

    Example:
        >>> integration_rule("riemann_middle", 2)
        (array([0.25, 0.75]), array([0.5, 0.5]))
    """
    method = check_choice(method, "method", INTEGRATION_METHODS)
    n_steps = check_positive_int(
        n_steps,
        "n_steps",
        minimum=2 if method == "riemann_trapezoid" else 1,
        maximum=MAX_N_STEPS,
        why=(
            "Each step is one model evaluation per sample and Gauss-Legendre nodes cost O(n^3); "
            "the completeness gap shows when more steps help (64-256 is usually plenty)."
        ),
    )
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return (nodes + 1) / 2, weights / 2
    steps = np.arange(n_steps, dtype=np.float64)
    if method == "riemann_trapezoid":
        weights = np.full(n_steps, 1.0 / (n_steps - 1))
        weights[[0, -1]] /= 2
        return steps / (n_steps - 1), weights
    offset = {"riemann_left": 0.0, "riemann_right": 1.0, "riemann_middle": 0.5}[method]
    return (steps + offset) / n_steps, np.full(n_steps, 1.0 / n_steps)


class IntegratedGradients(Attribution):
    """``(x - b) * integral_0^1 dF/dx(b + a (x - b)) da``, all points batched into compiled calls.

    Attributions over all inputs sum to ``F(x) - F(b)`` up to the quadrature error, which every result
    reports as ``completeness_gap`` (and ``relative_gap``). With ``n_steps="auto"`` (the default) each row
    gets more points until that gap is under 1 % (see :mod:`rnnlens.attribution.adaptive`).

    Example:
        >>> ig = IntegratedGradients(model)
        >>> result = ig.attribute(x, target=(5, 0))
        >>> bool(result.relative_gap.max() < 0.01), result.options["n_steps_used"]
        (True, [32, 32, 32, 32])
    """

    name = "integrated_gradients"

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        baselines: Any = None,
        *,
        n_steps: int | str = AUTO_STEPS,
        method: str = "gausslegendre",
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Attribute ``target`` by integrating gradients from ``baselines`` to ``inputs``.

        Args:
            inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, or one array per
                model input (list / dict by input name).
            target: ``k``, ``(t, k)``, ``"predicted"``, per-sample classes or a :class:`Target`.
            baselines: None / ``"zeros"``, a scalar, an array ``(features,)``, ``(time, features)`` or
                ``(batch, time, features)``, token ids for token inputs, a callable, a :class:`Baseline`, or a
                list / dict with one per input.
            n_steps: ``"auto"``: quadrature points per row, doubled from 32 for the rows whose
                completeness gap is over 1 % of ``|F(x) - F(b)|``, up to :data:`MAX_N_STEPS`; or a fixed
                number of points per sample, 1 to :data:`MAX_N_STEPS`.
            method: ``"gausslegendre"`` (default) or ``"riemann_left|right|middle|trapezoid"``.
            internal_batch_size: at most this many (sample x step) rows per compiled call.
            memory_budget_mb: sizes the chunks when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` (a tuple for multi-input models) with ``baseline_outputs`` and
            ``completeness_gap`` filled in (the gap is shared by all inputs: it concerns their sum);
            ``options["n_steps_used"]`` lists the points each row used. Rows left with a gap over 1 % are
            named in ``result.warnings`` (and a :class:`RnnlensWarning`).

        Raises:
            ShapeError, DataError: bad inputs or baselines. TargetError: a target that does not fit.
            OptionError: a bad ``n_steps`` or ``method``.
        """
        n_steps = check_steps(n_steps, method)
        problem = self._prepare(
            inputs,
            target,
            baselines,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )
        size = problem.chunk(len(problem.arrays[0]), self.engine, gradients=False)
        baseline_outputs = problem.target.values(
            self.engine.outputs(problem.baselines, problem.tokens, size)
        )

        def compute(part: Problem, rows: np.ndarray, steps: int) -> list[np.ndarray]:
            alphas, weights = integration_rule(method, steps)
            grads = path_gradients(self.engine, part, alphas, weights, part.baselines)
            samples = part.target.row_samples()
            return [
                (x - b)[samples] * g
                for x, b, g in zip(part.space, part.baselines, grads, strict=True)
            ]

        if n_steps == AUTO_STEPS and method == "gausslegendre":
            integral = _auto_integral(problem, compute, baseline_outputs)
        else:
            integral = integrate(
                problem, compute, baseline_outputs, n_steps, what="Integrated gradients"
            )
        options = {
            "n_steps": n_steps,
            "method": method,
        }
        return self._integral_results(problem, integral, options, baseline_outputs)


# Gauss-Legendre doubles up to this many points; rows still over the tolerance have a jump on their path.
PATH_AFTER_STEPS = 128


def _auto_integral(problem: Problem, compute: Any, baseline_outputs: np.ndarray) -> Integral:
    """``n_steps="auto"`` with Gauss-Legendre, in two stages.

    Smooth paths converge fastest with one high-order rule: points are doubled from 32 up to
    :data:`PATH_AFTER_STEPS` for the rows that need it (:func:`~rnnlens.attribution.adaptive.integrate`).
    The rows still over the tolerance cross a jump, as latching recurrent units make (an LSTM memory
    flipping between attractors within ``da = 1e-4``), which no fixed rule resolves: their points are
    placed where the target changes along the path (:mod:`~rnnlens.attribution.path_quadrature`). Rows
    left over the tolerance after both are named in a warning.
    """
    first = integrate(
        problem,
        compute,
        baseline_outputs,
        AUTO_STEPS,
        what="",
        max_steps=PATH_AFTER_STEPS,
        warn=False,
    )
    rows = first.unconverged
    if not len(rows):
        return first
    part = restrict_rows(problem, rows)
    grads, _, record = adaptive_path_gradients(
        problem.engine, part, part.baselines, max_points=AUTO_MAX_STEPS
    )
    samples = part.target.row_samples()
    refined = [
        (x - b)[samples] * g for x, b, g in zip(part.space, part.baselines, grads, strict=True)
    ]
    values = [v.copy() for v in first.values]
    for total, piece in zip(values, refined, strict=True):
        total[rows] = piece
    steps = first.steps.copy()
    steps[rows] = first.steps[rows] + record.gradient_points
    outputs = problem.target.values(problem.outputs)
    gaps = first.gaps.copy()
    gaps[rows] = attribution_totals(part, refined) - (outputs[rows] - baseline_outputs[rows])
    left = np.flatnonzero(~converged(gaps, outputs, baseline_outputs))
    message = None
    if len(left):
        message = gap_message(
            problem,
            left,
            gaps,
            outputs,
            baseline_outputs,
            int(steps[left].max()),
            True,
            "Integrated gradients",
        )
        warnings.warn(message, RnnlensWarning, stacklevel=4)
    return Integral(values, steps, gaps, left, message)


def check_steps(n_steps: Any, method: str) -> int | str:
    """``"auto"`` or a valid number of points for ``method`` (checked before any model evaluation).

    Raises:
        OptionError: anything else, or an unknown ``method``.
    """
    if isinstance(n_steps, str) and n_steps == AUTO_STEPS:
        check_choice(method, "method", INTEGRATION_METHODS)
        return AUTO_STEPS
    if isinstance(n_steps, str):
        raise OptionError(
            f"Argument `n_steps` must be 'auto' or an integer from 1 to {MAX_N_STEPS}, received "
            f"{n_steps!r}."
        )
    integration_rule(method, n_steps)
    return int(n_steps)
