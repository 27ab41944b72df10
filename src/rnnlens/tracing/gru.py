"""The GRU cell, both ``reset_after`` variants, re-implemented from Keras's weights."""

from __future__ import annotations

from typing import Any

from keras import ops

from rnnlens.names import KINDS
from rnnlens.tracing.cell_base import StepResult, activation_name

__all__ = ["GRUTracer"]


class GRUTracer:
    """Step a ``keras.layers.GRUCell`` and report its update gate, reset gate and candidate.

    Keras 3 layout: ``kernel`` ``(features, 3 * units)``, ``recurrent_kernel`` ``(units, 3 * units)``, gate
    blocks in Keras's letter order z, r, h. The bias is ``(3 * units,)``, or ``(2, 3 * units)`` when
    ``reset_after=True`` (row 0 for the input projection, row 1 for the recurrent one).
    """

    kind = KINDS["GRU"].name
    gate_names = KINDS["GRU"].gates
    state_names = KINDS["GRU"].states
    unavailable = None

    def __init__(self, cell: Any) -> None:
        self._cell = cell
        self.units = int(cell.units)
        self.state_sizes = (self.units,)
        self.reset_after = bool(cell.reset_after)
        self.activation = activation_name(cell.activation)
        self.recurrent_activation = activation_name(cell.recurrent_activation)

    def _biases(self) -> tuple[Any, Any]:
        bias = self._cell.bias
        if not self._cell.use_bias:
            return None, None
        if self.reset_after:
            return bias[0], bias[1]
        return bias, None

    def step(self, inputs: Any, states: tuple[Any, ...]) -> StepResult:
        """h_t = z * h_{t-1} + (1 - z) * candidate, the reset gate applied after or before the matmul."""
        cell = self._cell
        units = self.units
        (h_prev,) = states
        input_bias, _ = self._biases()
        matrix_x = ops.matmul(inputs, cell.kernel)
        if input_bias is not None:
            matrix_x = ops.add(matrix_x, input_bias)
        # Keras's gate blocks, in its letter order: z (update), r (reset), h (candidate).
        x_z, x_r, x_h = ops.split(matrix_x, 3, axis=-1)
        recurrent_kernel = cell.recurrent_kernel
        _, recurrent_bias = self._biases()
        if self.reset_after:
            inner = ops.matmul(h_prev, recurrent_kernel)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            inner_z, inner_r, inner_h = ops.split(inner, 3, axis=-1)
        else:
            inner = ops.matmul(h_prev, recurrent_kernel[:, : 2 * units])
            inner_z, inner_r = ops.split(inner, 2, axis=-1)
        update_gate = cell.recurrent_activation(x_z + inner_z)
        reset_gate = cell.recurrent_activation(x_r + inner_r)
        if self.reset_after:
            recurrent_h = reset_gate * inner_h
        else:
            recurrent_h = ops.matmul(reset_gate * h_prev, recurrent_kernel[:, 2 * units :])
        candidate = cell.activation(x_h + recurrent_h)
        h = update_gate * h_prev + (1 - update_gate) * candidate
        return StepResult((h,), (update_gate, reset_gate, candidate))
