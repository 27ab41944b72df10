"""The shared core of perturbation methods: replace coalitions of cells by the baseline, batched, compare.

A perturbation method (occlusion, feature ablation, ...) subclasses :class:`PerturbationAttribution` and
only says, per input, which cells are replaced together and which cells receive each difference: its
:class:`Coalitions`. The base class prepares the batch, evaluates every coalition in a few large compiled
calls (:func:`perturbation_deltas`), spreads the differences over the credited cells (:func:`spread`) and
builds the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.attribution.base import Attribution, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.errors import UnsupportedLayerError

if TYPE_CHECKING:
    from rnnlens.attribution.engine import Engine, Slot
    from rnnlens.attribution.problem import Problem

__all__ = [
    "Coalitions",
    "PerturbationAttribution",
    "check_perturbable",
    "perturbation_deltas",
    "spread",
]


@dataclass(frozen=True, eq=False)
class Coalitions:
    """How a perturbation method covers one input.

    Attributes:
        replaced: booleans ``(n, time, features)`` (``(n, time, 1)`` for token inputs): coalition ``v``
            replaces these cells by the baseline, all together, in one evaluation.
        credited: booleans of the same shape: the cells that receive coalition ``v``'s difference, or None
            for the replaced cells themselves.
        average: a cell credited by several coalitions gets the mean of their differences (True, as in
            occlusion's overlapping windows) or the sum (False).
        groups: the group map reported on the result (``(time, features)`` ids, ``(time,)`` for tokens;
            -1 for cells never replaced), for methods that give one value per group; else None.
    """

    replaced: np.ndarray
    credited: np.ndarray | None = None
    average: bool = False
    groups: np.ndarray | None = None

    @property
    def receivers(self) -> np.ndarray:
        """The credited cells (the replaced ones unless given)."""
        return self.replaced if self.credited is None else self.credited


class PerturbationAttribution(Attribution):
    """Base of perturbation methods: a subclass defines :meth:`coalitions`, and its ``attribute`` calls
    :meth:`_perturb` with its options.

    Example:
        >>> class EachStep(PerturbationAttribution):
        ...     name = "each_step"
        ...     def coalitions(self, slot, x, options):
        ...         steps, width = x.shape[1], 1 if slot.tokens else x.shape[2]
        ...         return Coalitions(np.eye(steps, dtype=bool)[:, :, None].repeat(width, axis=2))
        ...     def attribute(self, inputs, target=None, baselines=None):
        ...         return self._perturb(inputs, target, baselines, {})
        >>> EachStep(model).attribute(x, target=(5, 0)).values.shape
        (4, 6, 2)
    """

    def coalitions(self, slot: Slot, x: np.ndarray, options: Mapping[str, Any]) -> Coalitions:
        """The coalitions of input ``slot`` whose attribution-space values are ``x`` ``(samples, ...)``.

        Raises:
            OptionError: ``options`` do not fit this input.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must define coalitions(slot, x, options)."
        )

    def _finish(self, problem: Problem, values: list[np.ndarray]) -> list[np.ndarray]:
        """A last adjustment of the per-input ``(rows, time, features)`` values (none by default)."""
        return values

    def _perturb(
        self,
        inputs: Any,
        target: Any,
        baselines: Any,
        options: Mapping[str, Any],
        *,
        reported: Mapping[str, Any] | None = None,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Prepare the batch, check every input's coalitions, then evaluate and credit them.

        ``options`` go to :meth:`coalitions`; ``reported`` (default: ``options``) are recorded on the
        results. Every input's coalitions are built (and their options checked) before any evaluation.
        """
        problem = self._prepare(
            inputs,
            target,
            baselines,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )
        covers = []
        for slot, x in zip(self.engine.slots, problem.space, strict=True):
            check_perturbable(slot, x, self.name)
            covers.append(self.coalitions(slot, x, options))
        values = []
        for slot, cover in zip(self.engine.slots, covers, strict=True):
            deltas = perturbation_deltas(self.engine, problem, slot.index, cover.replaced)
            values.append(spread(deltas, cover.receivers, average=cover.average))
        values = self._finish(problem, values)
        groups = [cover.groups for cover in covers]
        return self._results(
            problem,
            values,
            dict(options if reported is None else reported),
            groups=None if all(g is None for g in groups) else groups,
        )


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
    values = engine.values(
        problem.target.output, build, n_total, problem.chunk(n_total, engine, gradients=False)
    )
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
