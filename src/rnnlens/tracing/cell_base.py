"""What every cell tracer provides: one step of a cell that also returns its gates.

A cell tracer follows Keras's cell / loop split: ``step`` runs one timestep from the step's input and the
previous states, with Keras's own operation order, and returns the new states and the named gates. The
time loop (:mod:`rnnlens.tracing.loop`) owns masking, direction and stacking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["CellTracer", "StepResult", "activation_name"]

Tensor = Any


@dataclass(frozen=True)
class StepResult:
    """One step's results.

    Attributes:
        states: the cell's new states, in the cell's own state order, each ``(batch, size)``.
        gates: gate values in the order of :attr:`CellTracer.gate_names`, each ``(batch, units)``.
        output: what the cell emits this step ``(batch, units)``; ``None`` when it is ``states[0]``.
    """

    states: tuple[Tensor, ...]
    gates: tuple[Tensor, ...]
    output: Tensor | None = None


class CellTracer(Protocol):
    """The interface the time loop drives; one implementation per cell family."""

    kind: str
    """Cell family: ``"LSTM"``, ``"GRU"``, ``"SimpleRNN"`` or a custom cell's class name."""
    units: int
    """Width of the cell's output (the hidden state)."""
    state_names: tuple[str, ...]
    """Names of the cell's states, in the cell's order (``("hidden", "cell_state")`` for an LSTM)."""
    state_sizes: tuple[int, ...]
    gate_names: tuple[str, ...]
    """Names of the gates :meth:`step` returns; empty when they are unavailable."""
    unavailable: str | None
    """Why the gates are unavailable (custom cells), else ``None``."""
    activation: str | None
    recurrent_activation: str | None

    def step(self, inputs: Tensor, states: tuple[Tensor, ...]) -> StepResult:
        """One timestep: ``inputs`` is ``(batch, features)``, ``states`` the previous states."""
        ...


def activation_name(fn: Callable[..., Any] | None) -> str | None:
    """A readable name for an activation callable (``"tanh"``, ``"hard_sigmoid"``, a custom function's name)."""
    if fn is None:
        return None
    return str(getattr(fn, "__name__", type(fn).__name__))
