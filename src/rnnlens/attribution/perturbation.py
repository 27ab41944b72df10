"""The shared core of occlusion and ablation: replace regions by the baseline, batched, and compare."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rnnlens.errors import UnsupportedLayerError

if TYPE_CHECKING:
    from rnnlens.attribution.base import Problem
    from rnnlens.attribution.engine import Engine, Slot

__all__ = ["check_perturbable", "perturbation_deltas", "spread"]

_NOISE_ULPS = 4


def check_perturbable(slot: Slot, space: np.ndarray, method: str) -> None:
    """Raise unless the input is ``(batch, time, features)`` floats or token ids: what regions cover.

    Raises:
        UnsupportedLayerError: an input of another rank (ConvLSTM inputs ``(batch, time, rows, channels)``,
            inputs without a time axis).
    """
    if slot.tokens or space.ndim == 3:
        return
    shape = "(batch, " + ", ".join(str(d) for d in space.shape[1:]) + ")"
    raise UnsupportedLayerError(
        f"Method {method!r} perturbs (time, feature) cells, but input {slot.name!r} has shape {shape} "
        f"(axes {('sample', *slot.axes)}), as for ConvLSTM layers. Use a gradient method "
        "(integrated_gradients, saliency, input_x_gradient), which handles inputs of any rank."
    )


def perturbation_deltas(
    engine: Engine, problem: Problem, slot: int, regions: np.ndarray
) -> np.ndarray:
    """``F(x) - F(x with region v replaced by the baseline)`` for every region ``v`` and row.

    Every (region, row) variant, plus the unperturbed rows, is evaluated by the compiled forward function
    in a few large chunks. The unperturbed value comes from the same compiled function, and differences
    within a few float32 ulps of ``F`` (batch-position rounding) are set to 0, so a region the target
    ignores gives exactly 0.

    Args:
        engine: the model's engine.
        problem: the prepared batch.
        slot: which model input to perturb (the others stay at ``x``).
        regions: booleans ``(n_regions, time, features)`` (``(n_regions, time, 1)`` for token inputs).

    Returns:
        ``(n_regions, rows)`` differences.
    """
    n_regions = len(regions)
    n_rows = problem.n_rows
    per_sample = problem.target.per_sample
    weights = problem.target.weights
    everything = np.concatenate([regions, np.zeros_like(regions[:1])])  # last: unperturbed
    x = problem.space[slot]
    baseline = problem.baselines[slot]

    def build(indices: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        variant = indices // n_rows
        rows = indices % n_rows
        samples = rows // per_sample
        inputs = [values[samples] for values in problem.space]
        inputs[slot] = np.where(everything[variant], baseline[samples], x[samples])
        return inputs, [t[samples] for t in problem.tokens], weights[rows]

    n_total = (n_regions + 1) * n_rows
    values = engine.values(problem.target.output, build, n_total, problem.chunk(n_total, engine))
    values = values.reshape(n_regions + 1, n_rows)
    deltas = values[-1][None, :] - values[:-1]
    # The same row can round differently at another position of a batch (blocked matmul kernels): a
    # difference within a few float32 ulps of F is that noise, not an effect, and is reported as 0.
    noise = _NOISE_ULPS * np.spacing(np.maximum(np.abs(values[-1][None, :]), np.abs(values[:-1])))
    return np.where(np.abs(deltas) <= noise, np.float32(0), deltas)


def spread(deltas: np.ndarray, regions: np.ndarray, *, average: bool) -> np.ndarray:
    """Give each cell the deltas of the regions covering it: summed, or averaged over the regions.

    Returns:
        ``(rows, time, features)`` (``features`` is 1 for token inputs).
    """
    masks = regions.astype(np.float64)
    total = np.tensordot(deltas.T.astype(np.float64), masks, axes=(1, 0))
    if not average:
        return total
    count = masks.sum(axis=0)
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)
