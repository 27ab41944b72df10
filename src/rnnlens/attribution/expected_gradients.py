"""Expected Gradients (Erion et al., 2021): integrated gradients averaged over baselines drawn from data.

For each row, ``n_samples`` baselines ``b_j`` are drawn (with replacement, from ``seed``) out of the
background, and the attribution is ``mean_j (x - b_j) * sum_i w_i dF/dx(b_j + a_i (x - b_j))`` with the
quadrature ``(a_i, w_i)`` of :func:`~rnnlens.attribution.integrated_gradients.integration_rule`. Erion et al.
draw one random ``a`` per baseline; a fixed rule per draw has the same expectation and keeps completeness
checkable: attributions sum to ``F(x) - mean_j F(b_j)`` over the *drawn* baselines, up to the rule's
quadrature error (exactly for a model linear in its inputs). Results report that mean as
``baseline_outputs`` and the difference as ``completeness_gap``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.attribution.adaptive import integrate
from rnnlens.attribution.base import Attribution, Problem, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.integrated_gradients import check_steps, integration_rule
from rnnlens.attribution.options import AUTO_STEPS, check_positive_int
from rnnlens.attribution.registry import MAX_BACKGROUND_SAMPLES
from rnnlens.errors import OptionError, ShapeError

__all__ = ["MAX_BACKGROUND_SAMPLES", "ExpectedGradients", "draw_baselines"]


def draw_baselines(n_rows: int, n_background: int, n_samples: int, seed: int) -> np.ndarray:
    """``(n_rows, n_samples)`` indices into the background, drawn with replacement from ``seed``.

    Example:
        >>> draw_baselines(2, 1, 3, seed=0)
        array([[0, 0, 0],
               [0, 0, 0]])
    """
    return np.random.default_rng(seed).integers(0, n_background, size=(n_rows, n_samples))


class ExpectedGradients(Attribution):
    """Integrated gradients from baselines drawn from ``background``, every point in compiled batches.

    Without ``background``, the baselines (default zeros) are the only reference, so the result equals
    integrated gradients from them.

    Example:
        >>> eg = ExpectedGradients(model)
        >>> result = eg.attribute(x, target=(5, 0), background=x_train, n_samples=16, seed=0)
        >>> bool(result.relative_gap.max() < 0.01)
        True
    """

    name = "expected_gradients"

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        baselines: Any = None,
        *,
        background: Any = None,
        n_samples: int = 16,
        n_steps: int | str = AUTO_STEPS,
        method: str = "gausslegendre",
        seed: int = 0,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Attribute ``target`` by integrating gradients from baselines drawn out of ``background``.

        Args:
            inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, or one array per
                model input (list / dict by input name), or a :class:`rnnlens.data.Dataset`.
            target: ``k``, ``(t, k)``, ``"predicted"``, per-sample classes or a :class:`Target`.
            baselines: used only without ``background`` (see the class doc); giving both is an error.
            background: reference samples ``(n, time, features)`` (token ids ``(n, time)``), a list / dict
                per input or a Dataset, with the inputs' number of steps.
            n_samples: baselines drawn per row, 1 to :data:`MAX_BACKGROUND_SAMPLES`.
            n_steps: quadrature points per drawn baseline: ``"auto"`` (32, doubled for the rows whose
                completeness gap is over 1 %, as for integrated gradients) or a fixed number.
            method: the quadrature rule (``"gausslegendre"`` or ``"riemann_left|right|middle|trapezoid"``).
            seed: seeds the draws; the same seed gives the same draws.
            internal_batch_size: at most this many (row x draw x step) points per compiled call.
            memory_budget_mb: sizes the chunks when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` (a tuple for multi-input models); ``baseline_outputs`` is the
            mean target over the drawn baselines, ``completeness_gap`` the gap to it.

        Raises:
            ShapeError, DataError: bad inputs or background (messages name ``background``).
            TargetError: a target that does not fit. OptionError: a bad option, or both ``baselines``
            and ``background``.
        """
        n_steps = check_steps(n_steps, method)
        n_samples = check_positive_int(n_samples, "n_samples", maximum=MAX_BACKGROUND_SAMPLES)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise OptionError(f"Option `seed` must be an int, received {seed!r}.")
        if background is not None and baselines is not None:
            raise OptionError(
                "Expected gradients draws its baselines from `background`; received `baselines` too. "
                "Pass one of them."
            )
        problem = self._prepare(
            inputs,
            target,
            baselines,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
            background=background,
        )
        pool, draws = self._draws(problem, n_samples, seed)
        baseline_outputs = _mean_baseline_values(problem, pool, draws)

        def compute(part: Problem, rows: np.ndarray, steps: int) -> list[np.ndarray]:
            alphas, weights = integration_rule(method, steps)
            return _expected_gradients(part, pool, draws[rows], alphas, weights)

        integral = integrate(problem, compute, baseline_outputs, n_steps, what="Expected gradients")
        options = {
            "n_samples": n_samples,
            "n_steps": n_steps,
            "method": method,
            "seed": seed,
        }
        return self._integral_results(problem, integral, options, baseline_outputs)

    @staticmethod
    def _draws(problem: Problem, n_samples: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
        """The pool of baselines (per input) and ``(rows, draws)`` indices into it."""
        n_rows = problem.n_rows
        if problem.background is None:  # the resolved baselines: one per sample, drawn always
            samples = problem.target.row_samples()
            return problem.baselines, samples[:, None]
        for reference, x, slot in zip(
            problem.background, problem.space, problem.engine.slots, strict=True
        ):
            if reference.shape[1:] != x.shape[1:]:
                raise ShapeError(
                    f"Argument `background` must have the inputs' shape per sample for input "
                    f"{slot.name!r}: expected (n, {', '.join(map(str, x.shape[1:]))}) in attribution "
                    f"space, received (n, {', '.join(map(str, reference.shape[1:]))}). Cut or pad the "
                    "background to the inputs' number of steps."
                )
        n_background = len(problem.background[0])
        return problem.background, draw_baselines(n_rows, n_background, n_samples, seed)


def _expected_gradients(
    problem: Problem,
    pool: list[np.ndarray],
    draws: np.ndarray,
    alphas: np.ndarray,
    weights: np.ndarray,
) -> list[np.ndarray]:
    """Per input, ``(rows, ...)``: ``mean_j (x - b_j) * sum_i w_i grad F(b_j + a_i (x - b_j))``."""
    engine = problem.engine
    n_alphas = len(alphas)
    n_draws = draws.shape[1]
    per_point = n_draws * n_alphas
    n_points = problem.n_rows * per_point
    target_weights = problem.target.weights
    per_sample = problem.target.per_sample

    def locate(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rows = indices // per_point
        step = indices % n_alphas
        pooled = draws[rows, (indices // n_alphas) % n_draws]
        return rows, rows // per_sample, pooled, step

    def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        rows, samples, pooled, step = locate(indices)
        points = [
            b[pooled] + _column(alphas[step], x.ndim) * (x[samples] - b[pooled])
            for x, b in zip(problem.space, pool, strict=True)
        ]
        # The quadrature weight and the 1/draws of the mean are folded into the target weights.
        scale = _column(weights[step] / n_draws, target_weights.ndim)
        return points, [t[samples] for t in problem.tokens], target_weights[rows] * scale

    totals = [np.zeros((problem.n_rows, *x.shape[1:]), np.float64) for x in problem.space]
    size = problem.chunk(n_points, engine)
    for indices, n_valid, grads in engine.gradients(problem.target.output, build, n_points, size):
        rows, samples, pooled, _ = locate(indices[:n_valid])
        firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        for total, grad, x, b in zip(totals, grads, problem.space, pool, strict=True):
            delta = x[samples].astype(np.float64) - b[pooled]
            total[rows[firsts]] += np.add.reduceat(delta * grad, firsts, axis=0)
    return totals


def _mean_baseline_values(
    problem: Problem, pool: list[np.ndarray], draws: np.ndarray
) -> np.ndarray:
    """``(rows,)`` the target's value averaged over each row's drawn baselines."""
    n_draws = draws.shape[1]
    n_points = problem.n_rows * n_draws
    per_sample = problem.target.per_sample

    def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        rows = indices // n_draws
        pooled = draws[rows, indices % n_draws]
        samples = rows // per_sample
        return (
            [b[pooled] for b in pool],
            [t[samples] for t in problem.tokens],
            problem.target.weights[rows],
        )

    size = problem.chunk(n_points, problem.engine, gradients=False)
    values = problem.engine.values(problem.target.output, build, n_points, size)
    return values.astype(np.float64).reshape(problem.n_rows, n_draws).mean(axis=1)


def _column(values: np.ndarray, ndim: int) -> np.ndarray:
    return values.astype(np.float32).reshape((-1,) + (1,) * (ndim - 1))
