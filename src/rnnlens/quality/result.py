"""FaithfulnessResult: a deletion or insertion curve, and the scores read from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FaithfulnessResult", "aopc", "area_under_curve"]


def aopc(curves: np.ndarray, kind: str) -> np.ndarray:
    """Area over the perturbation curve (Samek et al., 2017), normalised by the number of points.

    The mean progress of the target from its start value towards its end value,
    ``mean_k (F_k - F_0) * sign(F_end - F_0)``. For deletion with ``F(x) > F(baseline)`` (a class
    probability) this is Samek's ``mean_k (F(x) - F_k)``; orienting by the total change keeps the score
    meaningful for outputs below their baseline value (a negative forecast). Higher is more faithful, for
    deletion and insertion alike.

    Args:
        curves: ``(..., sample, fraction)`` target values, fraction 0 first. Orders sharing a sample's
            end points (random orders) share its orientation.
        kind: ``"deletion"`` or ``"insertion"``: the direction assumed where ``F_end == F_0``.

    Returns:
        ``curves.shape[:-1]`` scores, in the target's units.
    """
    values = np.asarray(curves, np.float64)
    change = values - values[..., :1]
    orientation = np.sign(change[..., -1:])
    orientation[orientation == 0] = -1.0 if kind == "deletion" else 1.0
    return np.asarray((change * orientation).mean(axis=-1))


def area_under_curve(curves: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """Trapezoid area under ``curves`` ``(..., fraction)`` over ``fractions`` in ``[0, 1]``."""
    area = np.trapezoid(np.asarray(curves, np.float64), np.asarray(fractions, np.float64), axis=-1)
    return np.asarray(area)


@dataclass(frozen=True, eq=False)
class FaithfulnessResult:
    """The target's value as the most important cells are removed (deletion) or inserted (insertion).

    Attributes:
        kind: ``"deletion"`` (start at ``x``, replace cells by the baseline) or ``"insertion"`` (start at
            the baseline, put cells of ``x`` back).
        order: ``"attribution"`` (cells by decreasing ``|attribution|``) or ``"random"`` (curves are the
            mean over ``n_random`` random orders).
        method: the attribution method whose ranking was tested.
        input_name: the model input that was perturbed (other inputs stay at ``x``).
        target: the explained value, in words.
        fractions: ``(fraction,)``: ``0, 1/steps, ..., 1``.
        counts: ``(sample, fraction)`` cells removed / inserted at each fraction (whole groups, for
            grouped attributions such as feature ablation).
        curves: ``(sample, fraction)`` the target's value ``F`` along the curve of ``order``.
        random_curves: ``(repeat, sample, fraction)`` the same for each random order.
        ranks: ``(sample, time, feature)`` or ``(sample, token)``: each cell's place in the attribution
            order (0 goes first; all cells of a group share its place), ``-1`` for cells never touched
            (padded tokens, cells in no group).
        replacement: what removed cells became: ``"baseline"`` (the baseline given, zeros by
            default), ``"mean"`` (the background's per-feature mean) or ``"samples"`` (values of drawn
            background samples; curves are means over the draws).

    Example:
        >>> from rnnlens.quality import deletion_curve
        >>> result = rnnlens.attribute(model, x, method="ig", target=(5, 0))
        >>> curve = deletion_curve(model, x, result, target=(5, 0), steps=10)
        >>> bool(curve.scores()["random_gap"] > 0)  # the explanation beats a random ranking
        True
    """

    kind: str
    order: str
    method: str
    input_name: str
    target: str
    fractions: np.ndarray
    counts: np.ndarray
    curves: np.ndarray
    random_curves: np.ndarray
    ranks: np.ndarray
    replacement: str = "baseline"

    @property
    def aopc(self) -> np.ndarray:
        """``(sample,)`` area over the perturbation curve (see :func:`aopc`); higher is more faithful."""
        return aopc(self.curves, self.kind)

    @property
    def normalized_aopc(self) -> np.ndarray:
        """``(sample,)`` AOPC divided by the whole change ``|F(x) - F(baseline)|``; NaN where that is 0.

        The mean fraction of the total change reached along the curve: scale-free, so samples with large
        outputs do not dominate a mean; at most ``steps / (steps + 1)`` for a curve that never overshoots.
        """
        total = np.abs(
            self.curves[:, -1].astype(np.float64) - self.curves[:, 0]
        )  # the whole change
        scale = np.maximum(np.abs(self.curves[:, 0]), np.abs(self.curves[:, -1])).astype(np.float64)
        tiny = (
            total <= 16 * float(np.finfo(np.float32).eps) * scale
        )  # float32 rounding, not a change
        return np.where(tiny, np.nan, self.aopc / np.where(tiny, 1.0, total))

    @property
    def auc(self) -> np.ndarray:
        """``(sample,)`` area under the raw curve, in target units (for ``F(x) > F(baseline)``: deletion,
        lower is better; insertion, higher is better)."""
        return area_under_curve(self.curves, self.fractions)

    @property
    def random_aopc(self) -> np.ndarray:
        """``(sample,)`` mean AOPC over the random orders."""
        return aopc(self.random_curves, self.kind).mean(axis=0)

    @property
    def random_gap(self) -> np.ndarray:
        """``(sample,)`` AOPC of this curve minus the mean AOPC of random orders (> 0: beats random)."""
        return self.aopc - self.random_aopc

    def scores(self) -> dict[str, float]:
        """Means over samples: ``aopc``, ``normalized_aopc`` (NaN-skipping), ``auc`` and ``random_gap``."""
        normalized = self.normalized_aopc
        return {
            "aopc": float(self.aopc.mean()),
            "normalized_aopc": float(np.nanmean(normalized))
            if np.any(np.isfinite(normalized))
            else np.nan,
            "auc": float(self.auc.mean()),
            "random_gap": float(self.random_gap.mean()),
        }

    def to_dataframe(self) -> pd.DataFrame:
        """One row per (sample, fraction): ``cells`` touched, ``output`` and the mean ``random_output``.

        The scores and the metadata are in ``frame.attrs``.
        """
        import pandas as pd

        samples, points = self.curves.shape
        frame = pd.DataFrame(
            {
                "sample": np.repeat(np.arange(samples), points),
                "fraction": np.tile(self.fractions, samples),
                "cells": self.counts.ravel(),
                "output": self.curves.ravel(),
                "random_output": self.random_curves.mean(axis=0).ravel(),
            }
        )
        frame.attrs.update(self.metadata())
        return frame

    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable description with the mean scores."""
        return {
            "kind": self.kind,
            "order": self.order,
            "method": self.method,
            "input_name": self.input_name,
            "target": self.target,
            "replacement": self.replacement,
            "steps": len(self.fractions) - 1,
            "n_random": len(self.random_curves),
            **self.scores(),
        }

    def __repr__(self) -> str:
        scores = ", ".join(f"{key}={value:.4g}" for key, value in self.scores().items())
        return (
            f"FaithfulnessResult(kind={self.kind!r}, order={self.order!r}, method={self.method!r}, "
            f"samples={self.curves.shape[0]}, steps={len(self.fractions) - 1}, {scores})"
        )
