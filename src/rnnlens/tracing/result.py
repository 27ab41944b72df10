"""Trace results: frozen, with named axes; long-format DataFrames; save and load."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnlens.errors import TargetError
from rnnlens.names import BATCH, TIME, UNIT

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AXES", "MASK_AXES", "LayerTrace", "Trace"]

AXES = (BATCH, TIME, UNIT)
"""Axes of every traced quantity: ``(batch, time, unit)``, time in the original input order. Long-format
tables call the batch axis ``sample`` (see :data:`rnnlens.names.AXIS_ALIASES`)."""
MASK_AXES = (BATCH, TIME)


@dataclass(frozen=True)
class LayerTrace:
    """Everything one recurrent cell computed, per sample and timestep, in the input's time order.

    One ``LayerTrace`` per layer, per direction of a ``Bidirectional`` and per cell of a
    ``StackedRNNCells``. Arrays are read-only.

    Attributes:
        key: the name to look it up by: the layer name (``"encoder/lstm"`` inside a nested model), then
            ``.cells[k]`` for stacked cells and ``.forward`` / ``.backward`` for Bidirectional halves.
        layer: the layer's (path-qualified) name.
        layer_class: ``"LSTM"``, ``"GRU"``, ``"RNN"``, ``"Bidirectional"``...
        cell_type: ``"LSTM"``, ``"GRU"``, ``"SimpleRNN"`` or a custom cell's class name.
        cell_index: the cell's position in a ``StackedRNNCells``, else ``None``.
        direction: ``"forward"`` / ``"backward"``: the half of a Bidirectional, else the processing order.
        processing_order: ``"backward"`` when the cell ran from the last timestep to the first.
        bidirectional: part of a ``Bidirectional`` layer.
        units: width of the hidden state.
        values: ``quantity -> (batch, time, unit)`` array: ``hidden`` (the cell's output h), the states
            (``cell_state`` for an LSTM; ``state_k`` for a custom cell) and the gates (LSTM
            ``input_gate`` / ``forget_gate`` / ``candidate`` / ``output_gate``; GRU ``update_gate`` /
            ``reset_gate`` / ``candidate``; SimpleRNN ``pre_activation``). At masked steps the states
            carry over unchanged (as in Keras) and gates are NaN (Keras computes them and discards them).
        initial_states: ``state -> (batch, unit)``: the states before the first processed step (zeros, the
            state handed over in the model graph, or a stateful layer's stored state).
        mask: ``(batch, time)`` boolean, True where the step was processed.
        state_names / gate_names: which quantities are states and which are gates.
        gates_unavailable: why a custom cell has no gates, else ``None``.
    """

    key: str
    layer: str
    layer_class: str
    cell_type: str
    cell_index: int | None
    direction: str
    processing_order: str
    bidirectional: bool
    units: int
    activation: str | None
    recurrent_activation: str | None
    reset_after: bool | None
    values: Mapping[str, np.ndarray]
    initial_states: Mapping[str, np.ndarray]
    mask: np.ndarray
    state_names: tuple[str, ...]
    gate_names: tuple[str, ...]
    gates_unavailable: str | None = None
    axes: tuple[str, ...] = field(default=AXES)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        object.__setattr__(self, "initial_states", MappingProxyType(dict(self.initial_states)))
        for array in (*self.values.values(), *self.initial_states.values(), self.mask):
            if isinstance(array, np.ndarray) and array.flags.writeable:
                array.flags.writeable = False

    @property
    def hidden(self) -> np.ndarray:
        """The hidden state h (the cell's output), ``(batch, time, unit)``."""
        return self.values["hidden"]

    @property
    def cell_state(self) -> np.ndarray | None:
        """An LSTM's cell state c, ``(batch, time, unit)``; ``None`` for other cells."""
        return self.values.get("cell_state")

    @property
    def gates(self) -> dict[str, np.ndarray]:
        """The recorded gates by name, each ``(batch, time, unit)``; empty for a custom cell."""
        return {name: self.values[name] for name in self.gate_names if name in self.values}

    @property
    def quantities(self) -> tuple[str, ...]:
        """Names of the recorded quantities."""
        return tuple(self.values)

    @property
    def n_samples(self) -> int:
        """Batch size."""
        return int(self.mask.shape[0])

    @property
    def n_timesteps(self) -> int:
        """Number of timesteps."""
        return int(self.mask.shape[1])

    @property
    def last_step(self) -> int:
        """The time index processed last: ``time - 1``, or ``0`` when processing ran backwards."""
        return 0 if self.processing_order == "backward" else self.n_timesteps - 1

    def final_states(self) -> dict[str, np.ndarray]:
        """Each recorded state after the last processed step, ``(batch, unit)``: Keras's ``return_state``."""
        return {
            name: np.asarray(self.values[name][:, self.last_step])
            for name in self.state_names
            if name in self.values
        }

    def metadata(self) -> dict[str, Any]:
        """The descriptive fields (no arrays), JSON-serialisable."""
        return {
            "key": self.key,
            "layer": self.layer,
            "layer_class": self.layer_class,
            "cell_type": self.cell_type,
            "cell_index": self.cell_index,
            "direction": self.direction,
            "processing_order": self.processing_order,
            "bidirectional": self.bidirectional,
            "units": self.units,
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "reset_after": self.reset_after,
            "state_names": list(self.state_names),
            "gate_names": list(self.gate_names),
            "gates_unavailable": self.gates_unavailable,
            "quantities": list(self.values),
            "initial_states": list(self.initial_states),
            "axes": list(self.axes),
        }

    def __repr__(self) -> str:
        return (
            f"LayerTrace({self.key!r}, {self.cell_type}, batch={self.n_samples}, "
            f"time={self.n_timesteps}, units={self.units}, quantities={list(self.values)})"
        )


@dataclass(frozen=True)
class Trace:
    """The traces of a model's recurrent layers; index it by layer key.

    Example:
        >>> result = rnnlens.trace(model, x)
        >>> result["lstm"].gates["forget_gate"].shape  # (batch, time, unit)
        (4, 6, 3)
    """

    model: str
    backend: str
    layers: tuple[LayerTrace, ...]

    def _repr_html_(self) -> str:
        """Notebook display: state and gate heatmaps of the first sample, values on hover, escaped."""
        from rnnlens.display import to_html

        return to_html(self)

    def keys(self) -> list[str]:
        """The layer keys, in execution order."""
        return [layer.key for layer in self.layers]

    def __iter__(self) -> Iterator[LayerTrace]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __contains__(self, key: object) -> bool:
        return any(layer.key == key for layer in self.layers)

    def __getitem__(self, key: str) -> LayerTrace:
        """Look a trace up by key (``"lstm"``, ``"bi.backward"``, ``"rnn.cells[1]"``).

        A nested layer's key carries its models' names (``"encoder/lstm"``); its bare key (``"lstm"``)
        works too when no other trace has it.

        Raises:
            TargetError: no such key, or a name that covers several traces (a Bidirectional layer's name).
        """
        for layer in self.layers:
            if layer.key == key:
                return layer
        nested = [layer for layer in self.layers if layer.key.rsplit("/", 1)[-1] == key]
        if len(nested) == 1:
            return nested[0]
        matches = [layer.key for layer in self.layers if key in (layer.layer, *_bare(layer))]
        if matches:
            raise TargetError(
                f"Layer {key!r} was traced as {len(matches)} parts {matches}; index the trace by one of "
                "those keys."
            )
        raise TargetError(f"No trace for {key!r}; traced layers are {self.keys()}.")

    def to_dataframe(
        self,
        layers: str | Sequence[str] | None = None,
        quantities: str | Sequence[str] | None = None,
        samples: Sequence[int] | slice | None = None,
    ) -> pd.DataFrame:
        """One row per value: ``sample, time, layer, direction, quantity, unit, value, mask``.

        Args:
            layers: keys to include (default all).
            quantities: quantity names to include (default all).
            samples: sample indices or a slice (default all). Long format grows as
                ``batch * time * units * quantities``: select what you need for large traces.

        Returns:
            A pandas DataFrame; ``layer``, ``direction`` and ``quantity`` are categoricals, ``mask`` is
            True where the step was processed.
        """
        import pandas as pd

        chosen = self._select(layers)
        wanted = None if quantities is None else _as_list(quantities, "quantities")
        frames = []
        for layer in chosen:
            index = np.arange(layer.n_samples)[samples if samples is not None else slice(None)]
            index = np.atleast_1d(index)
            for name, array in layer.values.items():
                if wanted is not None and name not in wanted:
                    continue
                block = np.asarray(array[index])
                n, t, u = block.shape
                frames.append(
                    pd.DataFrame(
                        {
                            "sample": np.repeat(index, t * u),
                            "time": np.tile(np.repeat(np.arange(t), u), n),
                            "layer": layer.key,
                            "direction": layer.direction,
                            "quantity": name,
                            "unit": np.tile(np.arange(u), n * t),
                            "value": block.reshape(-1),
                            "mask": np.repeat(np.asarray(layer.mask[index]).reshape(-1), u),
                        }
                    )
                )
        columns = ["sample", "time", "layer", "direction", "quantity", "unit", "value", "mask"]
        if not frames:
            return pd.DataFrame({c: [] for c in columns})
        frame = pd.concat(frames, ignore_index=True)
        for column in ("layer", "direction", "quantity"):
            frame[column] = frame[column].astype("category")
        return frame[columns]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the trace atomically: ``.npz`` (NumPy) or ``.h5`` (HDF5, readable lazily with ``mmap``).

        Raises:
            DataError: an unsupported file suffix.
        """
        from rnnlens.tracing.storage import save_trace

        return save_trace(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, mmap: bool = False) -> Trace:
        """Read a trace written by :meth:`save` or :func:`rnnlens.trace_to_file`.

        Args:
            path: a ``.npz`` or ``.h5`` trace file.
            mmap: for ``.h5`` files, map the arrays from disk instead of reading them (for traces larger
                than memory); ignored for ``.npz``.

        Raises:
            DataError: the file is missing, unreadable or not an rnnlens trace.
        """
        from rnnlens.tracing.storage import read_trace

        contents = read_trace(path, mmap=mmap)
        return cls(
            model=contents.model,
            backend=contents.backend,
            layers=tuple(LayerTrace(**fields) for fields in contents.layers),
        )

    def _select(self, layers: str | Sequence[str] | None) -> list[LayerTrace]:
        if layers is None:
            return list(self.layers)
        chosen: list[LayerTrace] = []
        for key in _as_list(layers, "layers"):
            parts = [t for t in self.layers if key in (t.key, t.layer)] or [self[key]]
            chosen.extend(t for t in parts if t not in chosen)
        return chosen

    def __repr__(self) -> str:
        return f"Trace(model={self.model!r}, layers={self.keys()})"


def _bare(layer: LayerTrace) -> tuple[str, ...]:
    return (layer.layer.rsplit("/", 1)[-1],)


def _as_list(value: str | Sequence[str], name: str) -> list[str]:
    from rnnlens.tracing.names import as_names

    return as_names(value, name)
