"""Cells rnnlens cannot re-implement: step the cell itself, record its output and states, no gates."""

from __future__ import annotations

from typing import Any

from keras import tree

from rnnlens import _keras, names
from rnnlens.errors import UnsupportedLayerError
from rnnlens.tracing.cell_base import StepResult

__all__ = ["OpaqueCellTracer"]


class OpaqueCellTracer:
    """Run a custom cell's own ``call`` step by step.

    The states it returns are recorded as ``state_0``, ``state_1``, ... and its output as ``hidden``; its
    internals are invisible, so :attr:`unavailable` explains why no gates are reported.
    """

    gate_names: tuple[str, ...] = ()
    activation: str | None = None
    recurrent_activation: str | None = None

    def __init__(self, cell: Any) -> None:
        self._cell = cell
        self.kind: str = type(cell).__name__
        sizes = cell.state_size
        flat = [sizes] if isinstance(sizes, int) else list(tree.flatten(sizes))
        if not flat or not all(isinstance(size, int) for size in flat):
            raise UnsupportedLayerError(
                f"Cell {self.kind} has state_size={sizes!r}; rnnlens traces cells whose states are "
                "vectors (state_size an int or a list of ints). Trace another layer with `layers=`."
            )
        self.state_sizes = tuple(int(size) for size in flat)
        self.state_names = names.custom_state_names(len(flat))
        output_size = getattr(cell, "output_size", None)
        self.units = int(output_size) if isinstance(output_size, int) else self.state_sizes[0]
        self._single_state = isinstance(sizes, int)
        self.unavailable: str | None = (
            f"{self.kind} is a custom cell: rnnlens stepped the cell itself to record its output "
            f"('hidden') and states ({', '.join(self.state_names)}), but cannot see inside it, so no "
            "gates are reported. Gates are traced for keras.layers.LSTMCell, GRUCell and SimpleRNNCell "
            "(and the LSTM, GRU and SimpleRNN layers)."
        )

    def step(self, inputs: Any, states: tuple[Any, ...]) -> StepResult:
        """Call the cell the way ``keras.layers.RNN`` does, in inference mode."""
        takes_training = _keras.call_takes_training(self._cell, default=False)
        kwargs = {"training": False} if takes_training else {}
        output, new_states = self._cell(inputs, tuple(states), **kwargs)
        flat = tree.flatten(new_states)
        if len(flat) != len(self.state_sizes):
            raise UnsupportedLayerError(
                f"Cell {self.kind} returned {len(flat)} state(s) but declares "
                f"state_size={self._cell.state_size!r}; rnnlens cannot trace it."
            )
        return StepResult(tuple(flat), (), output)
