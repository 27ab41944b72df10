"""Occlusion (Zeiler & Fergus, 2014) over time windows x feature groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.attribution.base import Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.causality import causal_inputs, clip_after, target_horizons
from rnnlens.attribution.options import OptionError, check_positive_int
from rnnlens.attribution.perturbation import Coalitions, PerturbationAttribution

if TYPE_CHECKING:
    from rnnlens.attribution.engine import Slot
    from rnnlens.attribution.problem import Problem

__all__ = ["Occlusion", "occlusion_regions"]


def occlusion_regions(
    steps: int,
    features: int,
    window: int | tuple[int, int],
    stride: int | tuple[int, int] = 1,
    feature_groups: Sequence[Sequence[int]] | None = None,
) -> np.ndarray:
    """Boolean masks ``(n_regions, steps, features)`` of every window position, Captum's sliding rule.

    Args:
        steps: the input's time length.
        features: its feature count (1 for token inputs).
        window: ``w`` (``w`` steps x all features) or ``(w_time, w_features)``.
        stride: ``s`` along time, or ``(s_time, s_features)``; at most the window along each axis, so
            every cell is occluded by some window.
        feature_groups: lists of feature indices occluded together (replaces the feature window).

    Raises:
        OptionError: a window larger than the input, a stride larger than the window, a non-integer or
            non-positive size, a window or stride that is not an int or a pair, or a bad feature group.
    """
    w_time, w_features = _pair(window, "window")
    s_time, s_features = _pair(stride, "stride")
    w_features = features if w_features is None else w_features
    s_features = 1 if s_features is None else s_features
    if w_time > steps:
        raise OptionError(
            f"Argument `window` spans {w_time} steps but the input has only {steps}; pass a window "
            f"of at most {steps} steps."
        )
    if s_time > w_time:
        raise OptionError(
            f"Argument `stride` moves {s_time} steps but the window spans {w_time}: the steps in between "
            f"would never be occluded and would read as attribution 0. Pass a stride of at most {w_time}."
        )
    if feature_groups is not None:
        feature_sets = [_feature_set(group, features) for group in _groups_list(feature_groups)]
    else:
        if w_features > features:
            raise OptionError(
                f"Argument `window` spans {w_features} features but the input has only {features}."
            )
        if s_features > w_features:
            raise OptionError(
                f"Argument `stride` moves {s_features} features but the window spans {w_features}; "
                f"pass a feature stride of at most {w_features}."
            )
        feature_sets = [
            (np.arange(features) >= f) & (np.arange(features) < f + w_features)
            for f in range(0, features - w_features + 1, s_features)
        ]
    time_sets = [
        (np.arange(steps) >= t) & (np.arange(steps) < t + w_time)
        for t in range(0, steps - w_time + 1, s_time)
    ]
    return np.array([t[:, None] & f[None, :] for t in time_sets for f in feature_sets])


def _pair(value: Any, name: str) -> tuple[int, int | None]:
    """``(along time, along features or None)`` from an int or a 2-entry tuple / list."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise OptionError(
                f"Argument `{name}` must be an int (steps) or a pair (steps, features), received "
                f"{value!r} with {len(value)} entries."
            )
        return check_positive_int(value[0], name), check_positive_int(value[1], name)
    return check_positive_int(value, name), None


def _groups_list(feature_groups: Any) -> list[Any]:
    if isinstance(feature_groups, str | bytes) or not isinstance(
        feature_groups, Sequence | np.ndarray
    ):
        raise OptionError(
            "Argument `feature_groups` must be a list of lists of feature indices, e.g. [[0, 1], [2]], "
            f"received {type(feature_groups).__name__} {feature_groups!r}."
        )
    if len(feature_groups) == 0:
        raise OptionError("Argument `feature_groups` is empty; pass at least one group, or None.")
    return list(feature_groups)


def _feature_set(group: Any, features: int) -> np.ndarray:
    if isinstance(group, str | bytes) or not isinstance(group, Sequence | np.ndarray):
        raise OptionError(
            f"Each entry of `feature_groups` must be a list of feature indices, received {group!r}; "
            "e.g. feature_groups=[[0, 1], [2]]."
        )
    indices = np.asarray(list(group))
    if (
        indices.size == 0
        or not np.issubdtype(indices.dtype, np.integer)
        or (indices.min() < 0 or indices.max() >= features)
    ):
        raise OptionError(
            f"Each feature group must be a non-empty list of feature indices in [0, {features}), "
            f"received {list(group)!r}."
        )
    return np.isin(np.arange(features), indices)


class Occlusion(PerturbationAttribution):
    """Slide a window over (time, feature), replace it by the baseline, and record the target's drop.

    Each cell gets the average drop of the windows covering it (Captum's rule). Token inputs are occluded
    a window of whole tokens at a time (their embedding replaced by the baseline embedding). Windows are
    clipped at the causal horizon: when the explained output step ``t`` of a causal model (unidirectional
    recurrent layers, per-step heads) cannot see input steps after ``t``, those steps get exactly 0, as
    with integrated gradients, instead of a share of the windows that reach back before ``t``.

    Example:
        >>> result = Occlusion(model).attribute(x, target=(5, 0), window=(2, 1))
        >>> result.by_time().shape  # (samples, time)
        (4, 6)
    """

    name = "occlusion"

    def attribute(
        self,
        inputs: Any,
        target: Any = None,
        baselines: Any = None,
        *,
        window: int | tuple[int, int] = 1,
        stride: int | tuple[int, int] = 1,
        feature_groups: Sequence[Sequence[int]] | None = None,
        internal_batch_size: int | None = None,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ) -> Results:
        """Attribute ``target`` by occluding windows.

        Args:
            inputs: ``(batch, time, features)`` floats or ``(batch, time)`` token ids, or one per input.
            target: ``k``, ``(t, k)``, ``"predicted"`` or a :class:`Target`.
            baselines: what an occluded cell becomes (default zeros); see :class:`Baseline`.
            window: ``w`` steps x all features, or ``(w_time, w_features)``.
            stride: ``s`` along time, or ``(s_time, s_features)``, at most the window.
            feature_groups: feature index lists occluded together, instead of a feature window.
            internal_batch_size: at most this many (window x sample) rows per compiled call.
            memory_budget_mb: sizes the chunks when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` (a tuple for multi-input models).

        Raises:
            ShapeError, DataError, TargetError: bad inputs, baselines or target. OptionError: bad window.
        """
        options = {"window": window, "stride": stride, "feature_groups": feature_groups}
        return self._perturb(
            inputs,
            target,
            baselines,
            options,
            internal_batch_size=internal_batch_size,
            memory_budget_mb=memory_budget_mb,
        )

    def coalitions(self, slot: Slot, x: np.ndarray, options: Mapping[str, Any]) -> Coalitions:
        """Every window position (:func:`occlusion_regions`); a cell gets the mean of its windows.

        Token inputs are occluded whole tokens at a time: the time parts of ``window`` and ``stride``.
        """
        window, stride = options["window"], options["stride"]
        if slot.tokens:
            w_time, s_time = _pair(window, "window")[0], _pair(stride, "stride")[0]
            return Coalitions(occlusion_regions(x.shape[1], 1, w_time, s_time), average=True)
        regions = occlusion_regions(
            x.shape[1], x.shape[2], window, stride, options["feature_groups"]
        )
        return Coalitions(regions, average=True)

    def _finish(self, problem: Problem, values: list[np.ndarray]) -> list[np.ndarray]:
        """Steps after the causal horizon of the explained output step get exactly 0."""
        horizons = target_horizons(problem.target.weights)
        if horizons is None:
            return values
        causal = causal_inputs(self.model, problem.target.output)
        return [
            clip_after(spread_values, horizons) if slot.index in causal else spread_values
            for slot, spread_values in zip(self.engine.slots, values, strict=True)
        ]
