"""Where each traced quantity sits in the packed per-step vector the time loop carries."""

from __future__ import annotations

from dataclasses import dataclass

from rnnlens.tracing.cell_base import CellTracer

__all__ = ["Layout"]


@dataclass(frozen=True)
class Layout:
    """Column ranges of the packed ``(batch, width)`` vector: states, then the output, then the gates.

    The loop carries one tensor per step (``keras.ops.scan`` on TensorFlow wants outputs shaped like the
    carry), so states, a custom cell's output and the gates travel side by side.
    """

    states: tuple[tuple[str, int, int], ...]
    output: tuple[int, int] | None
    gates: tuple[tuple[str, int, int], ...]
    width: int

    @classmethod
    def for_tracer(cls, tracer: CellTracer, record_gates: bool) -> Layout:
        """The layout for ``tracer``; gates only take room when they are recorded."""
        offset = 0
        states = []
        for name, size in zip(tracer.state_names, tracer.state_sizes, strict=True):
            states.append((name, offset, offset + size))
            offset += size
        output = None
        if tracer.unavailable is not None:  # a custom cell's output is not necessarily a state
            output = (offset, offset + tracer.units)
            offset += tracer.units
        gates = []
        if record_gates:
            for name in tracer.gate_names:
                gates.append((name, offset, offset + tracer.units))
                offset += tracer.units
        return cls(tuple(states), output, tuple(gates), offset)

    @property
    def hidden(self) -> tuple[int, int]:
        """Columns of what the cell emits: the output slot, else the first state."""
        if self.output is not None:
            return self.output
        _, start, stop = self.states[0]
        return start, stop

    @property
    def gate_start(self) -> int:
        """First gate column (``width`` when no gate is recorded)."""
        return self.gates[0][1] if self.gates else self.width

    def quantities(self) -> dict[str, tuple[int, int]]:
        """Every recorded quantity's columns, ``hidden`` first."""
        found: dict[str, tuple[int, int]] = {"hidden": self.hidden}
        for name, start, stop in self.states:
            found.setdefault(name, (start, stop))
        for name, start, stop in self.gates:
            found[name] = (start, stop)
        return found
