"""Deletion and insertion curves: does the target move when the cells an explanation ranks first change?

Deletion starts at ``x`` and replaces the top fraction of cells (by ``|attribution|``) with the baseline;
insertion starts at the baseline and puts the top cells of ``x`` back. With ``background`` data, removed
cells go towards the data instead of zeros: its per-feature mean, or values of drawn background samples
(see :mod:`rnnlens.quality.replacement`). Every variant of every sample, for
the attribution order and each random order, is evaluated by the attribution engine's compiled forward
function in a few large batches. Token inputs are perturbed at the embedding level, as attribution does:
a removed token's vector becomes the baseline's (zero vectors by default), while the model still sees the
real ids, so padded (masked) tokens stay masked. Padded tokens are never ranked nor touched.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.engine import Engine, Slot
from rnnlens.attribution.grouping import group_labels
from rnnlens.attribution.options import check_choice, check_positive_int
from rnnlens.attribution.problem import Problem, prepare_problem
from rnnlens.attribution.result import AttributionResult
from rnnlens.errors import DataError, OptionError, ShapeError, TargetError
from rnnlens.quality.ranking import cell_counts, cell_ranks, group_ranks
from rnnlens.quality.replacement import Replacement, check_background_steps, draw_donors
from rnnlens.quality.result import FaithfulnessResult

__all__ = ["deletion_curve", "insertion_curve"]

_ORDERS = ("attribution", "random")


# Each fraction step and each random order costs one model evaluation per sample; beyond a thousand
# the curve is no finer (few inputs have more cells) and the cost only grows.
_MAX_STEPS = 1000
_WHY_BOUNDED = (
    "Each {what} costs one model evaluation per sample; a thousand already resolves every cell."
)


def deletion_curve(
    model: Any,
    inputs: Any,
    result: AttributionResult,
    *,
    target: Any = None,
    steps: int = 10,
    baseline: Any = None,
    background: Any = None,
    replacement: str = "mean",
    n_draws: int = 8,
    order: str = "attribution",
    n_random: int = 5,
    seed: int = 0,
    internal_batch_size: int | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
) -> FaithfulnessResult:
    """Replace the top fraction of cells by the baseline, for fractions ``0, 1/steps, ..., 1``.

    At fraction ``k / steps`` the ``round(k * n / steps)`` cells with the largest ``|attribution|`` are
    replaced (``n``: the sample's cells; padded tokens excluded). For grouped results (feature ablation)
    the units are whole groups, ranked by their one value each, so a group is never removed in part. A faithful explanation makes the target
    fall fast: a high AOPC, a low area under the curve, and a positive ``random_gap``.

    Args:
        model: a ``keras.Model`` or the path of a ``.keras`` / ``.h5`` file.
        inputs: the inputs ``result`` explains: ``(sample, time, feature)`` floats, ``(sample, token)``
            ids, or one array per model input (list / dict); only ``result.input_name`` is perturbed.
        result: the :class:`AttributionResult` to test (one input's; pick one from a tuple).
        target: the target the attribution explained (same forms as :func:`rnnlens.attribute`); must
            resolve to ``result.target``.
        steps: the number of fraction steps (``>= 1``).
        baseline: what a removed cell becomes: None (zeros; with ``background``, its per-feature mean),
            ``"zeros"`` or anything :class:`rnnlens.attribution.Baseline` accepts (token inputs:
            embedding space, as attribution). An explicit baseline wins over ``background``.
        background: reference data from the training distribution, in any form
            :func:`rnnlens.attribute` accepts: delete towards the data rather than towards zeros.
        replacement: with ``background``: ``"mean"`` (removed cells take its per-feature mean) or
            ``"samples"`` (each removed cell takes the value of a drawn background sample at the same
            step and feature; the curve is the mean over ``n_draws`` draws, seeded by ``seed``).
        n_draws: background draws for ``replacement="samples"``.
        order: ``"attribution"`` or ``"random"`` (the curve of random orders, averaged).
        n_random: random orders drawn for ``random_gap``.
        seed: seeds the random orders.
        internal_batch_size: at most this many variants per compiled call.
        memory_budget_mb: sizes the compiled calls when ``internal_batch_size`` is None.

    Returns:
        A :class:`FaithfulnessResult` with ``curves`` ``(sample, fraction)``.

    Raises:
        OptionError: bad ``steps`` / ``order`` / ``n_random`` / ``seed`` / ``replacement`` /
            ``n_draws``, ``replacement="samples"`` without ``background`` or with a ``baseline``, or
            ``result`` is not one input's AttributionResult over single targets. ShapeError, DataError:
            ``result`` belongs to other inputs, or bad inputs / baseline / background. TargetError: ``target`` is not the one ``result`` explains.

    Example:
        >>> result = rnnlens.attribute(model, x, method="ig", target=(5, 0))
        >>> sorted(deletion_curve(model, x, result, target=(5, 0)).scores())
        ['aopc', 'auc', 'normalized_aopc', 'random_gap']
        >>> towards_data = deletion_curve(model, x, result, target=(5, 0), background=x_train)
        >>> towards_data.replacement
        'mean'
    """
    return _curve(
        "deletion",
        model,
        inputs,
        result,
        target,
        steps,
        order,
        n_random,
        seed,
        internal_batch_size,
        memory_budget_mb,
        baseline=baseline,
        background=background,
        replacement=Replacement.choose(baseline, background, replacement, n_draws),
    )


def insertion_curve(
    model: Any,
    inputs: Any,
    result: AttributionResult,
    *,
    target: Any = None,
    steps: int = 10,
    baseline: Any = None,
    background: Any = None,
    replacement: str = "mean",
    n_draws: int = 8,
    order: str = "attribution",
    n_random: int = 5,
    seed: int = 0,
    internal_batch_size: int | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
) -> FaithfulnessResult:
    """Start from the baseline and insert the top fraction of cells of ``x``, for ``0, 1/steps, ..., 1``.

    The mirror image of :func:`deletion_curve` (same arguments): fraction 0 is ``F(baseline)`` and
    fraction 1 is ``F(x)``. A faithful explanation makes the target rise fast: a high AOPC, a high area
    under the curve, and a positive ``random_gap``.

    Returns:
        A :class:`FaithfulnessResult` with ``kind="insertion"``.

    Raises:
        See :func:`deletion_curve`.

    Example:
        >>> result = rnnlens.attribute(model, x, method="saliency", target=(5, 0))
        >>> insertion_curve(model, x, result, target=(5, 0), steps=5).auc.shape  # one per sample
        (4,)
    """
    return _curve(
        "insertion",
        model,
        inputs,
        result,
        target,
        steps,
        order,
        n_random,
        seed,
        internal_batch_size,
        memory_budget_mb,
        baseline=baseline,
        background=background,
        replacement=Replacement.choose(baseline, background, replacement, n_draws),
    )


def _curve(
    kind: str,
    model: Any,
    inputs: Any,
    result: AttributionResult,
    target: Any,
    steps: int,
    order: str,
    n_random: int,
    seed: int,
    internal_batch_size: int | None,
    memory_budget_mb: float,
    *,
    baseline: Any,
    background: Any,
    replacement: Replacement,
) -> FaithfulnessResult:
    steps = check_positive_int(
        steps, "steps", maximum=_MAX_STEPS, why=_WHY_BOUNDED.format(what="fraction step")
    )
    order = check_choice(order, "order", _ORDERS)
    n_random = check_positive_int(
        n_random, "n_random", maximum=_MAX_STEPS, why=_WHY_BOUNDED.format(what="random order")
    )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise OptionError(f"Argument `seed` must be an integer, received {seed!r}.")
    _check_result_type(result)
    try:
        problem = prepare_problem(
            model,
            inputs,
            target,
            baseline,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
            background=background,
        )
    except TargetError as exc:
        raise TargetError(
            f"{exc} Pass the `target` the attribution explained ({result.target})."
        ) from exc
    engine = problem.engine
    slot = _slot_of(engine, result)
    _check_matches(result, problem, slot)

    samples = len(problem.arrays[0])
    mask = problem.masks[slot.index]
    valid = (
        mask.reshape(samples, -1)
        if mask is not None
        else np.ones((samples, int(np.prod(result.cell_shape))), bool)
    )
    rng = np.random.default_rng(int(seed))
    if result.groups is None:
        importance = np.abs(np.asarray(result.values, dtype=np.float64)).reshape(samples, -1)
        ranks = np.stack(
            [cell_ranks(importance, valid)]
            + [cell_ranks(rng.random(importance.shape), valid) for _ in range(n_random)]
        )
        counts = cell_counts(valid.sum(axis=1), steps)
    else:  # one value per group: remove whole groups, ranked by their value
        labels = group_labels(result.groups)
        positions = np.searchsorted(labels, result.groups.ravel())
        cell_groups = np.where(result.groups.ravel() >= 0, positions, -1)
        importance = np.abs(result.group_values().astype(np.float64)).reshape(samples, -1)
        orders = [importance] + [rng.random(importance.shape) for _ in range(n_random)]
        ranked = [group_ranks(order, cell_groups, valid) for order in orders]
        ranks = np.stack([cell_rank for cell_rank, _ in ranked])
        counts = cell_counts(ranked[0][1], steps)
    donors = None
    if replacement.kind == "samples" and problem.background is not None:
        pool = problem.background[slot.index]
        check_background_steps(pool, problem.space[slot.index], slot.name)
        donors = draw_donors(len(pool), samples, replacement.n_draws, int(seed))
    curves = _evaluate(engine, problem, slot, ranks, counts, donors, deletion=kind == "deletion")
    random_curves = curves[1:]
    return FaithfulnessResult(
        kind=kind,
        order=order,
        method=result.method,
        input_name=result.input_name,
        target=result.target,
        fractions=np.arange(steps + 1, dtype=np.float64) / steps,
        counts=counts,
        curves=curves[0] if order == "attribution" else random_curves.mean(axis=0),
        random_curves=random_curves,
        ranks=ranks[0].reshape(result.values.shape),
        replacement=replacement.kind,
    )


def _evaluate(
    engine: Engine,
    problem: Problem,
    slot: Slot,
    ranks: np.ndarray,
    counts: np.ndarray,
    donors: np.ndarray | None,
    *,
    deletion: bool,
) -> np.ndarray:
    """The target along every curve: ``(order, sample, fraction)``, from one batched evaluation.

    Removed cells take the baseline's values, or (``donors`` ``(draw, sample)``: background indices)
    those of each draw's background sample, the curves being averaged over the draws. Fractions 0 and 1
    do not depend on the order, so they are evaluated once per sample and draw and shared, which also
    makes every curve start and end at exactly the same values.
    """
    n_orders, samples, _ = ranks.shape
    points = counts.shape[1]
    n_draws = 1 if donors is None else len(donors)
    draw_grid, order_grid, sample_grid, point_grid = np.meshgrid(
        np.arange(n_draws),
        np.arange(n_orders),
        np.arange(samples),
        np.arange(1, points - 1),
        indexing="ij",
    )
    ends = np.arange(n_draws * samples)
    end_draw, end_sample = ends // samples, ends % samples
    v_draw = np.concatenate([end_draw, end_draw, draw_grid.ravel()])
    v_order = np.concatenate([np.zeros(2 * len(ends), np.int64), order_grid.ravel()])
    v_sample = np.concatenate([end_sample, end_sample, sample_grid.ravel()])
    v_count = np.concatenate(
        [
            counts[end_sample, 0],
            counts[end_sample, -1],
            counts[sample_grid.ravel(), point_grid.ravel()],
        ]
    )
    x = problem.space[slot.index]
    base = problem.baselines[slot.index]
    pool = problem.background[slot.index] if problem.background is not None else None
    cell_shape = x.shape[1:2] if slot.tokens else x.shape[1:]
    weights = problem.target.weights

    def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        rows = v_sample[indices]
        rank = ranks[v_order[indices], rows]
        touched = ((rank >= 0) & (rank < v_count[indices][:, None])).reshape(len(rows), *cell_shape)
        if slot.tokens:  # a token is one cell: its whole embedding vector changes
            touched = touched[..., None]
        gone = base[rows] if donors is None or pool is None else pool[donors[v_draw[indices], rows]]
        changed, kept = (gone, x[rows]) if deletion else (x[rows], gone)
        feed = [values[rows] for values in problem.space]
        feed[slot.index] = np.where(touched, changed, kept)
        return feed, [ids[rows] for ids in problem.tokens], weights[rows]

    n_total = len(v_sample)
    values = engine.values(
        problem.target.output, build, n_total, problem.chunk(n_total, engine, gradients=False)
    )
    n_ends = len(ends)
    start = values[:n_ends].reshape(n_draws, 1, samples, 1)
    end = values[n_ends : 2 * n_ends].reshape(n_draws, 1, samples, 1)
    middle = values[2 * n_ends :].reshape(n_draws, n_orders, samples, points - 2)
    start, end = (np.broadcast_to(a, (n_draws, n_orders, samples, 1)) for a in (start, end))
    curves = np.concatenate([start, middle, end], axis=-1)
    return curves[0] if n_draws == 1 else curves.mean(axis=0, dtype=np.float64)


def _check_result_type(result: Any) -> None:
    if isinstance(result, tuple):
        raise OptionError(
            f"Argument `result` is a tuple of {len(result)} AttributionResults (one per model input); "
            "pass one of them, e.g. result[0], to test that input's attributions."
        )
    if not isinstance(result, AttributionResult):
        raise OptionError(
            "Argument `result` must be an AttributionResult from rnnlens.attribute(...), received "
            f"{type(result).__name__}."
        )
    if "output_time" in result.axes:
        raise OptionError(
            f"Argument `result` explains every output step (axes {result.axes}); faithfulness curves "
            "test one target at a time. Attribute one step, e.g. target=(t, k), and pass that result."
        )


def _slot_of(engine: Engine, result: AttributionResult) -> Slot:
    for slot in engine.slots:
        if slot.name == result.input_name:
            return slot
    raise ShapeError(
        f"Argument `result` explains input {result.input_name!r}, but the model's inputs are "
        f"{[slot.name for slot in engine.slots]}. Pass the result computed for this model."
    )


def _check_matches(result: AttributionResult, problem: Problem, slot: Slot) -> None:
    array = problem.arrays[slot.index]
    expected = array.shape if slot.tokens else problem.space[slot.index].shape
    if tuple(result.values.shape) != tuple(expected):
        raise ShapeError(
            f"Argument `result` holds attributions of shape {tuple(result.values.shape)} (axes "
            f"{result.axes}), but input {slot.name!r} has shape {tuple(expected)}. Pass the result "
            "computed on these inputs."
        )
    if problem.target.per_sample != 1:
        raise OptionError(
            "Faithfulness curves test one target value per sample; received an every-step target. "
            "Use target=(t, k) for one output step."
        )
    if problem.target.description != result.target:
        raise TargetError(
            f"Argument `target` resolves to {problem.target.description!r}, but `result` explains "
            f"{result.target!r}. Pass the target used for the attribution."
        )
    given = np.asarray(result.inputs, dtype=np.float64)
    if given.shape != array.shape or not np.allclose(given, array, rtol=1e-6, atol=1e-6):
        raise DataError(
            f"Argument `result` was computed on other values of input {slot.name!r} than `inputs`; "
            "a ranking only means something for the inputs it explains. Pass the same inputs."
        )
