"""The LSTM cell, re-implemented from Keras's weights so that every gate is visible."""

from __future__ import annotations

from typing import Any

from keras import ops

from rnnlens.names import KINDS
from rnnlens.tracing.cell_base import StepResult, activation_name

__all__ = ["LSTMTracer"]


class LSTMTracer:
    """Step a ``keras.layers.LSTMCell`` and report its four gates.

    Keras 3 layout: ``kernel`` is ``(features, 4 * units)``, ``recurrent_kernel`` ``(units, 4 * units)``,
    ``bias`` ``(4 * units,)``, gate blocks in Keras's letter order i, f, c, o.
    """

    kind = KINDS["LSTM"].name
    gate_names = KINDS["LSTM"].gates
    state_names = KINDS["LSTM"].states
    unavailable = None

    def __init__(self, cell: Any) -> None:
        self._cell = cell
        self.units = int(cell.units)
        self.state_sizes = (self.units, self.units)
        self.activation = activation_name(cell.activation)
        self.recurrent_activation = activation_name(cell.recurrent_activation)

    def step(self, inputs: Any, states: tuple[Any, ...]) -> StepResult:
        """c_t = f * c_{t-1} + i * g and h_t = o * activation(c_t)."""
        cell = self._cell
        h_prev, c_prev = states
        # Keras's operation order (LSTMCell, implementation 2), so rounding matches too.
        z = ops.matmul(inputs, cell.kernel)
        z = ops.add(z, ops.matmul(h_prev, cell.recurrent_kernel))
        if cell.use_bias:
            z = ops.add(z, cell.bias)
        # Keras's gate blocks, in its letter order: i, f, c, o.
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        input_gate = cell.recurrent_activation(z_i)
        forget_gate = cell.recurrent_activation(z_f)
        candidate = cell.activation(z_c)
        output_gate = cell.recurrent_activation(z_o)
        c = forget_gate * c_prev + input_gate * candidate
        h = output_gate * cell.activation(c)
        return StepResult((h, c), (input_gate, forget_gate, candidate, output_gate))
