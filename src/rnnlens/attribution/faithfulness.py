"""A faithfulness score for every explained row: does the attribution's order beat random orders?

The score of a row is read from a deletion curve (:func:`rnnlens.quality.deletion_curve`): cells are
replaced, ``1/steps`` of them at a time and largest ``|attribution|`` first, by what "absent" means for the
data (the background's per-feature mean when a background is given, else the method's baseline), and
the output is recorded at each fraction. With ``AOPC`` the mean progress of the output from ``F(x)``
towards its value with every cell deleted, ``F(d)``:

    ``faithfulness = (AOPC(attribution order) - mean AOPC(random orders)) / |F(x) - F(d)|``

0 means no better than a random ranking, > 0 better (at most about 1), < 0 worse; NaN where deleting
every cell does not change the output (nothing to rank). Defaults: 10 fractions and 4 random orders from
a fixed seed, so the score costs ``10 x 5`` forward passes per sample, in batched compiled calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.attribution.result import AttributionResult
from rnnlens.errors import RnnlensError

__all__ = ["FAITHFULNESS_RANDOM_ORDERS", "FAITHFULNESS_STEPS", "faithfulness_scores"]

FAITHFULNESS_STEPS = 10
FAITHFULNESS_RANDOM_ORDERS = 4
_SEED = 0


def faithfulness_scores(
    model: Any,
    inputs: Any,
    result: AttributionResult,
    *,
    target: Any,
    baseline: Any = "zeros",
    steps: int = FAITHFULNESS_STEPS,
    n_random: int = FAITHFULNESS_RANDOM_ORDERS,
    internal_batch_size: int | None = None,
) -> np.ndarray | None:
    """``(sample,)`` faithfulness of ``result``'s ranking against random orders (see the module doc).

    Args:
        model: the model ``result`` explains.
        inputs: the inputs it explains (any form :func:`rnnlens.attribute` takes).
        result: one input's :class:`AttributionResult`.
        target: the target it explains.
        baseline: what a deleted cell becomes (``Baseline.mean(background)`` to delete towards the data).
        steps: fractions of the deletion curve.
        n_random: random orders to compare with.
        internal_batch_size: at most this many variants per compiled call.

    Returns:
        The scores, or None for results the curves cannot score (every-step targets, inputs without a
        cell axis the curves rank).

    Example:
        >>> result = rnnlens.attribute(model, x, method="ig", target=(5, 0), faithfulness=False)
        >>> faithfulness_scores(model, x, result, target=(5, 0)).shape
        (4,)
    """
    from rnnlens.quality.curves import deletion_curve

    if "output_time" in result.axes:
        return None  # one curve per target value: every-step results are not scored
    try:
        curve = deletion_curve(
            model,
            inputs,
            result,
            target=target,
            steps=steps,
            baseline=baseline,
            n_random=n_random,
            seed=_SEED,
            internal_batch_size=internal_batch_size,
        )
    except RnnlensError:
        return None  # inputs the curves cannot perturb: the score is left out, not guessed
    curves = np.asarray(curve.curves, np.float64)
    total = np.abs(curves[:, -1] - curves[:, 0])
    scale = np.maximum(np.abs(curves[:, 0]), np.abs(curves[:, -1]))
    tiny = total <= 16 * float(np.finfo(np.float32).eps) * scale
    return np.where(tiny, np.nan, curve.random_gap / np.where(tiny, 1.0, total))
