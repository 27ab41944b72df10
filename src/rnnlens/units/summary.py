"""One call for every unit statistic, bundled in a frozen, JSON-exportable :class:`UnitReport`."""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from rnnlens._atomic import write_text_atomic
from rnnlens.errors import OptionError, UnsupportedLayerError
from rnnlens.units._select import check_trace, select_layers
from rnnlens.units.concepts import check_top, unit_concepts
from rnnlens.units.saturation import gate_saturation
from rnnlens.units.timescales import memory_timescales
from rnnlens.units.trajectories import StateTrajectories, state_trajectories

if TYPE_CHECKING:
    import pandas as pd

    from rnnlens.tracing.result import Trace

__all__ = ["UnitReport", "summarize_units"]


@dataclass(frozen=True)
class UnitReport:
    """What the units of a model's recurrent layers do, on the traced inputs.

    Attributes:
        model: the traced model's name.
        saturation: :func:`gate_saturation` table, or ``None`` when no layer has gates.
        timescales: :func:`memory_timescales` table, or ``None`` without LSTM / GRU layers.
        concepts: :func:`unit_concepts` table, or ``None`` when no concepts were given.
        trajectories: trace key -> :class:`StateTrajectories`.
    """

    model: str
    saturation: pd.DataFrame | None
    timescales: pd.DataFrame | None
    concepts: pd.DataFrame | None
    trajectories: Mapping[str, StateTrajectories]

    def __post_init__(self) -> None:
        object.__setattr__(self, "trajectories", MappingProxyType(dict(self.trajectories)))

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and dicts; NaN and inf become ``None`` (an infinite timescale: never forgets)."""
        return {
            "model": self.model,
            "saturation": _records(self.saturation),
            "timescales": _records(self.timescales),
            "concepts": _records(self.concepts),
            "trajectories": {key: t.to_dict() for key, t in self.trajectories.items()},
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_dict` as strict JSON, atomically; returns the path."""
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=1, allow_nan=False))


def summarize_units(
    trace: Trace,
    concepts: Mapping[str, Any] | None = None,
    *,
    layer: str | Sequence[str] | None = None,
    low: float = 0.05,
    high: float = 0.95,
    top: int | None = 5,
    components: int = 2,
) -> UnitReport:
    """Gate saturation, memory timescales, concept correlations and state trajectories in one report.

    Args:
        trace: the result of :func:`rnnlens.trace`, arrays ``(batch, time, unit)``.
        concepts: optional ``name -> (batch, time) or (batch,)`` signals for :func:`unit_concepts`.
        layer: trace key(s) or layer name(s) (default all).
        low, high: saturation thresholds for :func:`gate_saturation`.
        top: units kept per concept.
        components: PCA directions per trace, capped at each trace's unit count.

    Returns:
        A :class:`UnitReport`.

    Raises:
        OptionError: ``top`` or ``components`` is not a positive int. Otherwise as the four functions it
        calls (OptionError, TargetError, ShapeError, DataError).

    Example:
        >>> from rnnlens.units import feature_concepts
        >>> report = summarize_units(rnnlens.trace(model, x), feature_concepts(x))
        >>> len(report.timescales)  # one row per LSTM unit; report.save("units.json") writes it all
        3
    """
    check_trace(trace, "summarize_units")
    check_top(top)
    if (
        isinstance(components, bool)
        or not isinstance(components, numbers.Integral)
        or components < 1
    ):
        raise OptionError(
            f"Argument `components` must be a positive int (it is capped at each trace's unit count), "
            f"received {components!r}."
        )
    chosen = select_layers(trace, layer)
    keys = [part.key for part in chosen]
    try:
        saturation = gate_saturation(trace, low, high, layer=keys)
    except UnsupportedLayerError:
        saturation = None
    try:
        timescales = memory_timescales(trace, layer=keys)
    except UnsupportedLayerError:
        timescales = None
    table = None if concepts is None else unit_concepts(trace, concepts, layer=layer, top=top)
    trajectories = {}
    for part in chosen:
        n_valid = int(part.mask.sum())
        if n_valid:
            count = max(1, min(components, part.units, n_valid))
            trajectories[part.key] = state_trajectories(trace, part.key, count)
    return UnitReport(trace.model, saturation, timescales, table, trajectories)


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    if frame is None:
        return None
    rows = frame.to_dict(orient="records")
    return [{str(k): _plain(v) for k, v in row.items()} for row in rows]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
