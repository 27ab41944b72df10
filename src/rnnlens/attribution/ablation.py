"""Feature ablation over time steps, features, cells or custom groups (Captum's FeatureAblation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.attribution.base import Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.options import ABLATION_GROUPS, OptionError
from rnnlens.attribution.perturbation import Coalitions, PerturbationAttribution

if TYPE_CHECKING:
    from rnnlens.attribution.engine import Slot

__all__ = [
    "ABLATION_GROUPS",
    "FeatureAblation",
    "ablation_groups",
    "ablation_regions",
    "regions_of",
]


def ablation_groups(steps: int, features: int, groups: Any, *, tokens: bool = False) -> np.ndarray:
    """The group map ``(steps, features)``: each cell's integer group id, ``-1`` for cells never ablated.

    Args:
        steps, features: the input's time length and feature count (1 for token inputs).
        groups: ``"time"`` (each step, all features; id = step), ``"feature"`` (each feature, all steps;
            id = feature), ``"cell"`` (each step x feature; id = step * features + feature), or an int
            array ``(steps, features)`` / ``(steps,)`` of group ids (cells with the same id are ablated
            together; negative ids are never ablated).
        tokens: the input holds tokens (only ``"time"`` / ``"cell"`` / a ``(steps,)`` array make sense).

    Raises:
        OptionError: an unknown group name or a group array of the wrong shape or type.
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
        return {
            "time": np.repeat(np.arange(steps)[:, None], features, axis=1),
            "feature": np.repeat(np.arange(features)[None, :], steps, axis=0),
            "cell": np.arange(steps * features).reshape(steps, features),
        }[groups]
    try:
        ids = np.asarray(groups)
    except Exception:  # ragged nested lists and other non-arrays: reported below like any bad type
        ids = np.asarray(None)
    if ids.ndim == 1:
        ids = ids[:, None]
    if ids.shape not in ((steps, features), (steps, 1)) or not np.issubdtype(ids.dtype, np.integer):
        raise OptionError(
            f"Argument `groups` must be 'time', 'feature', 'cell' or an array of integer group ids of "
            f"shape ({steps}, {features}) or ({steps},); received {type(groups).__name__} of dtype "
            f"{ids.dtype} and shape {np.shape(ids)}."
        )
    ids = np.broadcast_to(ids, (steps, features)).astype(np.int64)
    if not np.any(ids >= 0):
        raise OptionError(
            "Argument `groups` holds no group id >= 0, so nothing would be ablated; negative ids mark "
            "cells that are never ablated."
        )
    return np.where(ids >= 0, ids, -1)


def ablation_regions(steps: int, features: int, groups: Any, *, tokens: bool = False) -> np.ndarray:
    """Boolean masks ``(n_groups, steps, features)``, one per group of :func:`ablation_groups`.

    Raises:
        OptionError: see :func:`ablation_groups`.
    """
    return regions_of(ablation_groups(steps, features, groups, tokens=tokens))


def regions_of(ids: np.ndarray) -> np.ndarray:
    """One boolean mask per group id ``>= 0`` of a group map, in increasing id order."""
    labels = [label for label in np.unique(ids) if label >= 0]
    return np.array([ids == label for label in labels]).reshape(len(labels), *ids.shape)


class FeatureAblation(PerturbationAttribution):
    """Replace one group of cells at a time by the baseline and record the target's drop, once per group.

    The result knows its groups (:attr:`AttributionResult.groups`): each cell shows its group's drop, and
    :meth:`~AttributionResult.group_values`, ``by_time`` / ``by_feature``, tables and ``top_k`` count each
    group once, never its drop times its cell count.

    Example:
        >>> result = FeatureAblation(model).attribute(x, target=(5, 0), groups="time")
        >>> result.by_time().shape  # (samples, time): one drop per time step
        (4, 6)
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
        reported = {"groups": groups if isinstance(groups, str) else np.asarray(groups).tolist()}
        return self._perturb(
            inputs,
            target,
            baselines,
            {"groups": groups},
            reported=reported,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )

    def coalitions(self, slot: Slot, x: np.ndarray, options: Mapping[str, Any]) -> Coalitions:
        """One coalition per group of :func:`ablation_groups`; a cell shows its group's difference.

        Token inputs ablate whole tokens: a group name means ``"time"``, an id array is per token.
        """
        groups = options["groups"]
        if slot.tokens:
            token_groups = groups if not isinstance(groups, str) else "time"
            ids = ablation_groups(x.shape[1], 1, token_groups, tokens=True)
            return Coalitions(regions_of(ids), groups=ids[:, 0])
        ids = ablation_groups(x.shape[1], x.shape[2], groups)
        return Coalitions(regions_of(ids), groups=ids)
