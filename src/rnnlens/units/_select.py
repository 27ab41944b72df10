"""Shared plumbing for the unit statistics: check the trace, pick layers, gather the valid cells."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import OptionError, TargetError

if TYPE_CHECKING:
    from rnnlens.tracing.result import LayerTrace, Trace

__all__ = ["check_trace", "layer_info", "one_layer", "select_layers", "valid_rows"]


def check_trace(trace: Any, function: str) -> Trace:
    """Return ``trace`` if it is a :class:`Trace`, else say how to get one."""
    # Imported here: the tracing package imports Keras, and the units module imports no framework.
    from rnnlens.tracing.result import Trace

    if not isinstance(trace, Trace):
        raise OptionError(
            f"Argument `trace` of {function}() must be an rnnlens Trace, received "
            f"{type(trace).__name__}. Trace the model first: `trace = rnnlens.trace(model, x)`, or load "
            "one with `rnnlens.Trace.load(path)`."
        )
    return trace


def select_layers(trace: Trace, layer: str | Sequence[str] | None) -> list[LayerTrace]:
    """The traces named by ``layer`` (keys or layer names; a Bidirectional name gives both halves).

    Raises:
        TargetError: a name that no trace has.
    """
    if layer is None:
        return list(trace.layers)
    # Imported here: the tracing package imports Keras, and the units module imports no framework.
    from rnnlens.tracing.names import as_names

    names = as_names(layer, "layer", trace.keys())
    chosen: list[LayerTrace] = []
    for name in names:
        parts = [t for t in trace.layers if name in (t.key, t.layer)] or [trace[name]]
        chosen.extend(t for t in parts if t not in chosen)
    return chosen


def one_layer(trace: Trace, layer: str | None, function: str) -> LayerTrace:
    """Exactly one trace: ``layer``'s, or the only one when ``layer`` is None.

    Raises:
        TargetError: unknown key, or several candidates.
    """
    chosen = select_layers(trace, layer)
    if len(chosen) != 1:
        what = f"Layer {layer!r} was traced as" if layer is not None else "The trace holds"
        raise TargetError(
            f"{function}() works on one trace at a time. {what} {len(chosen)} parts "
            f"{[t.key for t in chosen]}; pass `layer=` one of those keys."
        )
    return chosen[0]


def valid_rows(layer: LayerTrace, array: np.ndarray) -> np.ndarray:
    """The processed (unmasked) cells of a ``(batch, time, unit)`` array, ``(n_valid, unit)`` float64."""
    return np.asarray(array)[np.asarray(layer.mask, dtype=bool)].astype(np.float64)


def layer_info(layer: LayerTrace) -> dict[str, Any]:
    """The columns that name a trace in every unit table."""
    return {"layer": layer.key, "direction": layer.direction, "cell_type": layer.cell_type}
