"""The pieces one cell's time loop carries and records: its states, a custom cell's output, its gates."""

from __future__ import annotations

from dataclasses import dataclass

from rnnlens.tracing.cell_base import CellTracer

__all__ = ["Layout"]


@dataclass(frozen=True)
class Layout:
    """Names and sizes of the loop's pieces, in carry order: states, then the output, then the gates.

    Each piece is its own ``(time, batch, size)`` array: nothing is concatenated per step, and every
    quantity comes back as a separate buffer.
    """

    names: tuple[str, ...]
    sizes: tuple[int, ...]
    n_states: int
    has_output: bool

    @classmethod
    def for_tracer(cls, tracer: CellTracer, record_gates: bool) -> Layout:
        """The layout for ``tracer``; gates only take room when they are recorded."""
        names = list(tracer.state_names)
        sizes = list(tracer.state_sizes)
        has_output = (
            tracer.unavailable is not None
        )  # a custom cell's output is not necessarily a state
        if has_output:
            names.append("hidden")
            sizes.append(tracer.units)
        if record_gates:
            names.extend(tracer.gate_names)
            sizes.extend(tracer.units for _ in tracer.gate_names)
        return cls(tuple(names), tuple(sizes), len(tracer.state_names), has_output)

    @property
    def hidden(self) -> int:
        """Index of the piece the cell emits: its output slot, else its first state."""
        return self.n_states if self.has_output else 0

    @property
    def first_gate(self) -> int:
        """Index of the first gate piece (``len(names)`` when no gate is recorded)."""
        return self.n_states + int(self.has_output)

    @property
    def width(self) -> int:
        """Total size of all pieces."""
        return sum(self.sizes)

    def quantities(self) -> dict[str, int]:
        """Every recorded quantity's piece index, ``hidden`` first."""
        found = {"hidden": self.hidden}
        for index, name in enumerate(self.names):
            found.setdefault(name, index)
        return found
