"""State trajectories: the hidden-state path of each sample in the plane of its main directions (PCA)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import OptionError
from rnnlens.units._select import check_trace, one_layer, valid_rows

if TYPE_CHECKING:
    from rnnlens.tracing.result import Trace

__all__ = ["StateTrajectories", "state_trajectories"]


@dataclass(frozen=True)
class StateTrajectories:
    """A PCA of one trace's hidden states and every sample's path through it. Arrays are read-only.

    Attributes:
        layer: the trace key.
        projection: ``(sample, time, component)``: ``(h - mean) @ components.T``; NaN at masked steps.
        components: ``(component, unit)``: orthonormal principal directions, sign fixed so each
            direction's largest loading is positive.
        mean: ``(unit,)``: the mean hidden state over processed cells.
        explained_variance: ``(component,)``: variance along each direction (``ddof=1``).
        explained_variance_ratio: ``(component,)``: share of the total variance; sums to at most 1.
        mask: ``(sample, time)``: True where the step was processed.
        n_valid: the number of processed cells the PCA was fitted on.
    """

    layer: str
    projection: np.ndarray
    components: np.ndarray
    mean: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    mask: np.ndarray
    n_valid: int
    axes: tuple[str, ...] = field(default=("sample", "time", "component"))

    def __post_init__(self) -> None:
        for name in (
            "projection",
            "components",
            "mean",
            "explained_variance",
            "explained_variance_ratio",
            "mask",
        ):
            array = np.array(getattr(self, name))
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    @property
    def n_components(self) -> int:
        """How many principal directions were kept."""
        return int(self.components.shape[0])

    def to_dict(self, *, include_projection: bool = False) -> dict[str, Any]:
        """JSON-safe summary (lists, non-finite numbers as ``None``); the projection only if asked."""
        data: dict[str, Any] = {
            "layer": self.layer,
            "n_components": self.n_components,
            "n_valid": self.n_valid,
            "components": _json_array(self.components),
            "mean": _json_array(self.mean),
            "explained_variance": _json_array(self.explained_variance),
            "explained_variance_ratio": _json_array(self.explained_variance_ratio),
            "axes": list(self.axes),
        }
        if include_projection:
            data["projection"] = _json_array(self.projection)
        return data

    def __repr__(self) -> str:
        ratio = ", ".join(f"{v:.3f}" for v in self.explained_variance_ratio)
        return (
            f"StateTrajectories({self.layer!r}, samples={self.projection.shape[0]}, "
            f"time={self.projection.shape[1]}, explained_variance_ratio=[{ratio}])"
        )


def state_trajectories(
    trace: Trace, layer: str | None = None, components: int = 2
) -> StateTrajectories:
    """Fit a PCA (NumPy SVD) to a trace's hidden states over processed cells; project every sample.

    Args:
        trace: the result of :func:`rnnlens.trace`; hidden states are ``(batch, time, unit)``.
        layer: the trace key; may be left out when the trace holds one layer.
        components: directions to keep, from 1 to ``min(units, processed cells)``.

    Returns:
        A :class:`StateTrajectories` with ``projection`` ``(sample, time, component)``.

    Raises:
        OptionError: ``components`` out of range; ``trace`` not a Trace.
        TargetError: an unknown layer, or several traces and no ``layer``.

    Example:
        >>> paths = state_trajectories(rnnlens.trace(model, x), "lstm")  # x: (4, 6, 2)
        >>> paths.projection.shape  # (sample, time, component)
        (4, 6, 2)
    """
    check_trace(trace, "state_trajectories")
    part = one_layer(trace, layer, "state_trajectories")
    states = valid_rows(part, part.hidden)
    n_valid = states.shape[0]
    limit = min(part.units, n_valid)
    if (
        isinstance(components, bool)
        or not isinstance(components, numbers.Integral)
        or not (1 <= components <= limit)
    ):
        raise OptionError(
            f"Argument `components` must be an int from 1 to {limit} (the trace {part.key!r} has "
            f"{part.units} units and {n_valid} processed cells), received {components!r}."
        )
    k = int(components)
    mean = states.mean(axis=0)
    _, singular, directions = np.linalg.svd(states - mean, full_matrices=False)
    directions = directions[:k]
    # SVD signs are arbitrary; fix them so results are reproducible across platforms.
    signs = np.sign(directions[np.arange(k), np.abs(directions).argmax(axis=1)])
    directions = directions * np.where(signs == 0, 1.0, signs)[:, None]
    variance = singular**2 / max(n_valid - 1, 1)
    total = variance.sum()
    ratio = variance[:k] / total if total > 0 else np.zeros(k)
    hidden = np.asarray(part.hidden, dtype=np.float64)
    projection = (hidden - mean) @ directions.T
    projection[~np.asarray(part.mask, dtype=bool)] = np.nan
    return StateTrajectories(
        layer=part.key,
        projection=projection,
        components=directions,
        mean=mean,
        explained_variance=variance[:k],
        explained_variance_ratio=ratio,
        mask=np.asarray(part.mask, dtype=bool),
        n_valid=n_valid,
    )


def _json_array(array: np.ndarray) -> Any:
    values = np.asarray(array, dtype=np.float64)
    cells = values.astype(object)
    cells[~np.isfinite(values)] = None
    return cells.tolist()
