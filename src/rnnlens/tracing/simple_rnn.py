"""The SimpleRNN cell, re-implemented from Keras's weights; its one "gate" is the pre-activation."""

from __future__ import annotations

from typing import Any

from keras import ops

from rnnlens.names import KINDS
from rnnlens.tracing.cell_base import StepResult, activation_name

__all__ = ["SimpleRNNTracer"]


class SimpleRNNTracer:
    """Step a ``keras.layers.SimpleRNNCell``: h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel).

    The reported ``pre_activation`` is the argument of the activation.
    """

    kind = KINDS["SimpleRNN"].name
    gate_names = KINDS["SimpleRNN"].gates
    state_names = KINDS["SimpleRNN"].states
    unavailable = None
    recurrent_activation = None

    def __init__(self, cell: Any) -> None:
        self._cell = cell
        self.units = int(cell.units)
        self.state_sizes = (self.units,)
        self.activation = activation_name(cell.activation)

    def step(self, inputs: Any, states: tuple[Any, ...]) -> StepResult:
        """One step; an activation of ``None`` is the identity, as in Keras."""
        (h_prev,) = states
        projected = ops.matmul(inputs, self._cell.kernel)
        if self._cell.bias is not None:
            projected = ops.add(projected, self._cell.bias)
        pre_activation = projected + ops.matmul(h_prev, self._cell.recurrent_kernel)
        activation = self._cell.activation
        h = activation(pre_activation) if activation is not None else pre_activation
        return StepResult((h,), (pre_activation,))
