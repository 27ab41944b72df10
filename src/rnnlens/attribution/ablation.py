"""Feature ablation over time steps, features, cells or custom groups (Captum's FeatureAblation)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.attribution.base import Attribution, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.options import OptionError
from rnnlens.attribution.perturbation import perturbation_deltas, spread

__all__ = ["ABLATION_GROUPS", "FeatureAblation", "ablation_regions"]

ABLATION_GROUPS = ("time", "feature", "cell")


def ablation_regions(steps: int, features: int, groups: Any, *, tokens: bool = False) -> np.ndarray:
    """Boolean masks ``(n_groups, steps, features)``: one per group, each cell in at most one group.

    Args:
        steps, features: the input's time length and feature count (1 for token inputs).
        groups: ``"time"`` (each step, all features), ``"feature"`` (each feature, all steps), ``"cell"``
            (each step x feature), or an int array ``(steps, features)`` / ``(steps,)`` of group ids
            (cells with the same id are ablated together; negative ids are never ablated).
        tokens: the input holds tokens (only ``"time"`` / ``"cell"`` / a ``(steps,)`` array make sense).

    Raises:
        OptionError: an unknown group name or a group array of the wrong shape.
    """
    if isinstance(groups, str):
        if groups not in ABLATION_GROUPS:
            raise OptionError(
                f"Argument `groups` must be one of {list(ABLATION_GROUPS)} or an array of group ids, "
                f"received {groups!r}."
            )
        if tokens and groups == "feature":
            raise OptionError(
                "Argument `groups='feature'` does not apply to a token input (it has no feature axis); "
                "use groups='time' for one group per token."
            )
        ids = {
            "time": np.repeat(np.arange(steps)[:, None], features, axis=1),
            "feature": np.repeat(np.arange(features)[None, :], steps, axis=0),
            "cell": np.arange(steps * features).reshape(steps, features),
        }[groups]
    else:
        ids = np.asarray(groups)
        if ids.ndim == 1:
            ids = ids[:, None]
        if ids.shape not in ((steps, features), (steps, 1)) or not np.issubdtype(
            ids.dtype, np.integer
        ):
            raise OptionError(
                f"Argument `groups` as an array must hold integer group ids of shape ({steps}, {features}) "
                f"or ({steps},), received dtype {ids.dtype} and shape {np.asarray(groups).shape}."
            )
        ids = np.broadcast_to(ids, (steps, features))
    labels = [label for label in np.unique(ids) if label >= 0]
    return np.array([ids == label for label in labels]).reshape(len(labels), steps, features)


class FeatureAblation(Attribution):
    """Replace one group of cells at a time by the baseline; every cell of the group gets the drop.

    Example:
        >>> FeatureAblation(model).attribute(x, target=(9, 0), groups="time").by_time()  # doctest: +SKIP
    """

    name = "feature_ablation"

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        baselines: Any = None,
        *,
        groups: Any = "time",
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Attribute ``target`` by ablating groups of cells.

        Args:
            inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, or one per input.
            target: ``k``, ``(t, k)``, ``"predicted"`` or a :class:`Target`.
            baselines: what an ablated cell becomes (default zeros); see :class:`Baseline`.
            groups: ``"time"`` (default), ``"feature"``, ``"cell"`` or an array of group ids; see
                :func:`ablation_regions`. Token inputs always ablate whole tokens.
            internal_batch_size: at most this many (group x sample) rows per compiled call.
            memory_budget_mb: sizes the chunks when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` (a tuple for multi-input models).

        Raises:
            ShapeError, DataError, TargetError: bad inputs, baselines or target. OptionError: bad groups.
        """
        problem = self._prepare(
            inputs,
            target,
            baselines,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )
        values = []
        for slot, x in zip(self.engine.slots, problem.space, strict=True):
            if slot.tokens:
                token_groups = groups if not isinstance(groups, str) else "time"
                regions = ablation_regions(x.shape[1], 1, token_groups, tokens=True)
            else:
                regions = ablation_regions(x.shape[1], x.shape[2], groups)
            deltas = perturbation_deltas(self.engine, problem, slot.index, regions)
            values.append(spread(deltas, regions, average=False))
        options = {"groups": groups if isinstance(groups, str) else np.asarray(groups).tolist()}
        return self._results(problem, values, options)
