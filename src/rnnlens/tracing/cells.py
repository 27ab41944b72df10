"""Pick the tracer for a Keras cell: exact re-implementations for the built-in cells, else the cell itself."""

from __future__ import annotations

from typing import Any

import keras

from rnnlens.tracing.cell_base import CellTracer
from rnnlens.tracing.custom_cell import OpaqueCellTracer
from rnnlens.tracing.gru import GRUTracer
from rnnlens.tracing.lstm import LSTMTracer
from rnnlens.tracing.simple_rnn import SimpleRNNTracer

__all__ = ["cell_tracer", "layer_cells"]

# A subclass that overrides any of these methods computes something else: it is stepped as a custom cell.
_EXACT: tuple[tuple[type, tuple[str, ...], type], ...] = (
    (
        keras.layers.LSTMCell,
        ("call", "_compute_carry_and_output", "_compute_carry_and_output_fused"),
        LSTMTracer,
    ),
    (keras.layers.GRUCell, ("call",), GRUTracer),
    (keras.layers.SimpleRNNCell, ("call",), SimpleRNNTracer),
)


def cell_tracer(cell: Any) -> CellTracer:
    """The tracer for one (non-stacked) cell."""
    for base, methods, tracer in _EXACT:
        if isinstance(cell, base) and all(
            getattr(type(cell), method, None) is getattr(base, method) for method in methods
        ):
            return tracer(cell)  # type: ignore[no-any-return]
    return OpaqueCellTracer(cell)


def layer_cells(layer: Any) -> list[Any]:
    """The cells a recurrent layer steps, bottom first (one, or several for ``StackedRNNCells``)."""
    cell = layer.cell
    if isinstance(cell, keras.layers.StackedRNNCells):
        return list(cell.cells)
    return [cell]
