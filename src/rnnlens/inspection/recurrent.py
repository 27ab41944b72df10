"""Recognise recurrent layers (plain, ``RNN(cell)``, stacked cells, Bidirectional, TimeDistributed) and
record how each was configured and called."""

from __future__ import annotations

from typing import Any

from rnnlens import _keras, names
from rnnlens.inspection.graph import main_input, node_kwarg_tensors, producer, unwrap
from rnnlens.inspection.spec import RecurrentLayerSpec

__all__ = ["cell_kind", "is_recurrent", "recurrent_spec", "state_names"]

is_recurrent = _keras.is_recurrent_layer
"""True for ``keras.layers.RNN`` subclasses, Bidirectional, and TimeDistributed wrappers of them (the one
definition lives in :func:`rnnlens._keras.is_recurrent_layer`)."""


def _core(layer: Any) -> Any:
    """The RNN layer that does the work (the forward half of a Bidirectional)."""
    import keras

    inner = unwrap(layer)
    if isinstance(inner, keras.layers.Bidirectional):
        return inner.forward_layer
    return inner


def _cells(rnn: Any) -> list[Any]:
    cell = rnn.cell
    return list(cell.cells) if hasattr(cell, "cells") else [cell]


def cell_kind(cell: Any) -> str:
    """``LSTM`` / ``GRU`` / ``SimpleRNN`` for the standard cells, else the cell's class name."""
    row = names.kind_of_cell(type(cell).__name__)
    return row.name if row is not None else type(cell).__name__


def _cell_state_names(cell: Any) -> list[str]:
    """Return-state labels (see :mod:`rnnlens.names`): ``state_h`` / ``state_c`` for an LSTM."""
    row = names.kind_of_cell(type(cell).__name__)
    if row is not None:
        return list(row.return_state_labels)
    size = cell.state_size
    count = len(size) if isinstance(size, list | tuple) else 1
    return list(names.custom_return_state_labels(count))


def state_names(rnn: Any) -> tuple[str, ...]:
    """Names of the states one direction returns with ``return_state``, in Keras's order."""
    cells = _cells(rnn)
    if len(cells) == 1:
        return tuple(_cell_state_names(cells[0]))
    return tuple(
        f"cell{i}.{name}" for i, cell in enumerate(cells) for name in _cell_state_names(cell)
    )


def _activation_name(fn: Any) -> str | None:
    if fn is None:
        return None
    return str(getattr(fn, "__name__", fn))


def _units(cell: Any) -> int:
    units = getattr(cell, "units", None)
    if units is not None:
        return int(units)
    size = getattr(cell, "output_size", None) or cell.state_size
    return int(size[0] if isinstance(size, list | tuple) else size)


def recurrent_spec(layer: Any, path: tuple[str, ...] = ()) -> RecurrentLayerSpec:
    """Describe one recurrent layer (as it appears in ``model.layers``)."""
    import keras

    inner = unwrap(layer)
    bidirectional = isinstance(inner, keras.layers.Bidirectional)
    rnn = _core(layer)
    cells = _cells(rnn)
    last_cell = cells[-1]
    calls = _keras.inbound_nodes(layer)
    node = calls[0] if calls else None
    sequence = main_input(node)
    shape = tuple(sequence.shape) if sequence is not None else ()
    initial_from = []
    for tensor in node_kwarg_tensors(node, "initial_state"):
        source = _recurrent_source(tensor)
        if source is not None and source not in initial_from:
            initial_from.append(source)
    masked = bool(node_kwarg_tensors(node, "mask"))
    kinds = tuple(cell_kind(cell) for cell in cells)
    return RecurrentLayerSpec(
        name=layer.name,
        layer_class=type(layer).__name__
        if not bidirectional
        else f"Bidirectional({type(rnn).__name__})",
        kind=kinds[0] if len(kinds) == 1 else "Stacked(" + ", ".join(kinds) + ")",
        cells=tuple(type(cell).__name__ for cell in cells),
        units=_units(last_cell),
        return_sequences=bool(rnn.return_sequences),
        return_state=bool(rnn.return_state),
        go_backwards=bool(rnn.go_backwards),
        stateful=bool(rnn.stateful),
        masked=masked,
        zero_output_for_mask=bool(getattr(rnn, "zero_output_for_mask", False)),
        bidirectional=bidirectional,
        merge_mode=inner.merge_mode if bidirectional else None,
        time_distributed=layer is not inner,
        activation=_activation_name(getattr(last_cell, "activation", None)),
        recurrent_activation=_activation_name(getattr(last_cell, "recurrent_activation", None)),
        reset_after=getattr(last_cell, "reset_after", None),
        initial_state_from=tuple(initial_from),
        input_features=shape[-1] if shape else None,
        timesteps=shape[-2] if len(shape) >= 3 else None,
        path=path,
        state_names=state_names(rnn),
    )


def _recurrent_source(tensor: Any) -> str | None:
    """The recurrent layer a state tensor comes from, looking through non-recurrent bridges (Dense, ...)."""
    frontier = [tensor]
    for _ in range(50):
        if not frontier:
            return None
        found = producer(frontier.pop(0))
        if found.layer is None:
            continue
        if is_recurrent(found.layer):
            return str(found.layer.name)
        frontier.extend(found.node.input_tensors if found.node is not None else [])
    return None
