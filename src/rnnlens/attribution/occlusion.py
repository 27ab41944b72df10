"""Occlusion (Zeiler & Fergus, 2014) over time windows x feature groups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlens.attribution.base import Attribution, Results
from rnnlens.attribution.batching import DEFAULT_MEMORY_BUDGET_MB
from rnnlens.attribution.options import OptionError, check_positive_int
from rnnlens.attribution.perturbation import perturbation_deltas, spread

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
        stride: ``s`` along time, or ``(s_time, s_features)``.
        feature_groups: lists of feature indices occluded together (replaces the feature window).

    Raises:
        OptionError: a window larger than the input, a non-positive size, or a bad feature group.
    """
    w_time, w_features = window if isinstance(window, tuple) else (window, features)
    s_time, s_features = stride if isinstance(stride, tuple) else (stride, 1)
    w_time = check_positive_int(w_time, "window")
    w_features = check_positive_int(w_features, "window")
    s_time = check_positive_int(s_time, "stride")
    s_features = check_positive_int(s_features, "stride")
    if w_time > steps:
        raise OptionError(
            f"Argument `window` spans {w_time} steps but the input has only {steps}; pass a window "
            f"of at most {steps} steps."
        )
    if feature_groups is not None:
        feature_sets = []
        for group in feature_groups:
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
            feature_sets.append(np.isin(np.arange(features), indices))
    else:
        if w_features > features:
            raise OptionError(
                f"Argument `window` spans {w_features} features but the input has only {features}."
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


class Occlusion(Attribution):
    """Slide a window over (time, feature), replace it by the baseline, and record the target's drop.

    Each cell gets the average drop of the windows covering it (Captum's rule). Token inputs are occluded
    a window of whole tokens at a time (their embedding replaced by the baseline embedding).

    Example:
        >>> Occlusion(model).attribute(x, target=(9, 0), window=(2, 1)).by_time()  # doctest: +SKIP
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
            stride: ``s`` along time, or ``(s_time, s_features)``.
            feature_groups: feature index lists occluded together, instead of a feature window.
            internal_batch_size: at most this many (window x sample) rows per compiled call.
            memory_budget_mb: sizes the chunks when ``internal_batch_size`` is None.

        Returns:
            An :class:`AttributionResult` (a tuple for multi-input models).

        Raises:
            ShapeError, DataError, TargetError: bad inputs, baselines or target. OptionError: bad window.
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
                w_time = window[0] if isinstance(window, tuple) else window
                s_time = stride[0] if isinstance(stride, tuple) else stride
                regions = occlusion_regions(x.shape[1], 1, w_time, s_time)
            else:
                regions = occlusion_regions(x.shape[1], x.shape[2], window, stride, feature_groups)
            deltas = perturbation_deltas(self.engine, problem, slot.index, regions)
            values.append(spread(deltas, regions, average=True))
        options = {"window": window, "stride": stride, "feature_groups": feature_groups}
        return self._results(problem, values, options)
