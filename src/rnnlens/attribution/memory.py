"""The memory one row of a compiled evaluation needs: the yardstick that sizes attribution's chunks.

Attribution runs its (sample x point) rows through compiled calls in chunks sized by a memory budget, and
bigger chunks are much faster: on 2 cores, TensorFlow's gradient of 2 x LSTM(64) over 100 steps costs about
0.3 s per call whatever its size, plus 0.29 ms per row, so 7 chunks of 293 rows take twice as long as one
chunk of 2,048. The estimate must therefore be close to what a backend really keeps, and never below it.

What a recurrent layer keeps grows with ``time steps x units`` and depends on the cell and the backend:
:data:`RECURRENT_BYTES` holds the bytes per step and unit, measured by ``bench/memory.py`` (peak resident
memory over 1,024 rows) and rounded up by about 20 %. A forward pass keeps little (the graph frees each
step); a forward + backward pass keeps every step's gates for the backward pass. Other layers keep their
output (and, with gradients, its gradient); a recurrent layer's output sequence is kept once more,
time-major. Keras's ``TimeDistributed`` slices its input per step (attribution flattens the per-row ones, see
:mod:`rnnlens.attribution.time_distributed`); on TensorFlow each slice's gradient is a dense copy of the
whole input, so those left to Keras keep ``time x input`` more (plus a quarter for the buffers around).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens import _keras
from rnnlens.attribution.time_distributed import flattenable
from rnnlens.model_inputs import walk_layers
from rnnlens.names import kind_of_cell

__all__ = ["RECURRENT_BYTES", "bytes_per_row", "data_steps"]

# (backend, cell kind) -> bytes per time step and unit: (forward + backward, forward only).
# Measured (bench/memory.py, 100 steps, 64 and 256 units; the largest over the zoo's models, masked ones
# included), then rounded up by ~20 %:
#   tensorflow  LSTM 34 / 7.4   GRU 29 / 5.3   SimpleRNN 7.5 / 2.4
#   jax         LSTM 53 / 9.5   GRU 72 / 25    SimpleRNN 19 / 5.5
#   torch       LSTM 66 / 8.3   GRU 45 / 22    SimpleRNN 18 / 12
RECURRENT_BYTES: dict[tuple[str, str], tuple[int, int]] = {
    ("tensorflow", "LSTM"): (40, 10),
    ("tensorflow", "GRU"): (36, 8),
    ("tensorflow", "SimpleRNN"): (10, 4),
    ("jax", "LSTM"): (64, 12),
    ("jax", "GRU"): (88, 32),
    ("jax", "SimpleRNN"): (24, 8),
    ("torch", "LSTM"): (80, 10),
    ("torch", "GRU"): (56, 28),
    ("torch", "SimpleRNN"): (24, 16),
}
# Custom cells (and unknown backends) get the largest figure of any standard cell, doubled.
_UNKNOWN = tuple(2 * max(pair[i] for pair in RECURRENT_BYTES.values()) for i in range(2))
_FLOAT = 4


def bytes_per_row(model: Any, backend: str, *, gradients: bool, steps: int | None = None) -> int:
    """An upper estimate of the working memory one row (one sample) of an evaluation of ``model`` needs.

    Args:
        model: a built Keras model.
        backend: the Keras backend that runs it (``"tensorflow"``, ``"jax"``, ``"torch"``).
        gradients: True for a forward + backward pass, False for a forward pass only.
        steps: the time steps of the data, for models whose time axis is not fixed (None: the model's own,
            else 1).

    Returns:
        Bytes per row, at least 1.

    Example:
        >>> grad = bytes_per_row(model, "tensorflow", gradients=True)
        >>> grad > bytes_per_row(model, "tensorflow", gradients=False) > 0
        True
    """
    steps = steps or _model_steps(model) or 1
    copies = 2 if gradients else 1  # an activation, and its gradient
    total = copies * _FLOAT * sum(_size(tensor.shape, steps) for tensor in model.inputs)
    for layer in walk_layers(model):
        if hasattr(layer, "layers"):
            continue  # a nested model: its layers are walked on their own
        # A recurrent layer's output sequence is also kept time-major (stacked, then transposed).
        recurrent = _keras.is_recurrent_layer(layer)
        total += (copies + recurrent) * _FLOAT * _output_size(layer, steps, fallback=total)
        if recurrent:
            total += _recurrent_bytes(layer, backend, gradients, steps)
        elif gradients and backend == "tensorflow" and _sliced_per_step(layer):
            total += 5 * _FLOAT * steps * _input_size(layer, steps) // 4
    return max(int(total), 1)


def _recurrent_bytes(layer: Any, backend: str, gradients: bool, steps: int) -> int:
    """Every direction and stacked cell of a recurrent layer: ``steps x units x`` its cell's figure."""
    total = 0
    for rnn in _directions(_keras.unwrap_time_distributed(layer)):
        cells = rnn.cell.cells if hasattr(rnn.cell, "cells") else [rnn.cell]
        for cell in cells:
            kind = kind_of_cell(type(cell).__name__)
            figures = RECURRENT_BYTES.get((backend, kind.name)) if kind is not None else None
            per_unit = (figures or _UNKNOWN)[0 if gradients else 1]
            total += steps * _cell_units(cell, rnn) * per_unit
    return total


def _directions(layer: Any) -> list[Any]:
    backward = getattr(layer, "backward_layer", None)
    return [layer.forward_layer, backward] if backward is not None else [layer]


def _cell_units(cell: Any, rnn: Any) -> int:
    """Units per step: the cell's ``units``, else the size of the layer's output per step (ConvLSTMs)."""
    units = getattr(cell, "units", None)
    if isinstance(units, int):
        return units
    try:
        output = rnn.output[0] if isinstance(rnn.output, list | tuple) else rnn.output
        per_step = output.shape[2:] if rnn.return_sequences else output.shape[1:]
    except Exception:  # A layer never called on its own (inside a wrapper): read the state size.
        size = getattr(cell, "output_size", None) or cell.state_size
        per_step = [size[0] if isinstance(size, list | tuple) else size]
    return int(np.prod([d or 1 for d in per_step]))


def _sliced_per_step(layer: Any) -> bool:
    """A ``TimeDistributed`` that runs Keras's loop over steps (attribution flattens the others)."""
    import keras

    return isinstance(layer, keras.layers.TimeDistributed) and not flattenable(layer)


def _output_size(layer: Any, steps: int, *, fallback: int) -> int:
    try:
        output = layer.output
    except (
        Exception
    ):  # Layers without a single static output (shared, never called): a generous guess.
        return 4 * fallback // _FLOAT
    tensors = output if isinstance(output, list | tuple) else [output]
    return sum(_size(tensor.shape, steps) for tensor in tensors)


def _input_size(layer: Any, steps: int) -> int:
    try:
        return _size(layer.input.shape, steps)
    except Exception:  # Called more than once: the output is a fair stand-in.
        return _output_size(layer, steps, fallback=0)


def _size(shape: Any, steps: int) -> int:
    """Elements per row of a ``(batch, ...)`` shape; an unknown time axis counts ``steps``, others 1."""
    sizes = [steps if d is None and i == 0 else (d or 1) for i, d in enumerate(shape[1:])]
    return int(np.prod(sizes)) if sizes else 1


def _model_steps(model: Any) -> int | None:
    """The longest fixed time axis of the model's inputs (None if none is fixed)."""
    known = [int(t.shape[1]) for t in model.inputs if len(t.shape) >= 2 and t.shape[1] is not None]
    return max(known) if known else None


def data_steps(arrays: list[np.ndarray]) -> int | None:
    """The longest time axis among model input arrays ``(batch, time, ...)`` (None if none has one)."""
    steps = [np.shape(array)[1] for array in arrays if np.ndim(array) >= 2]
    return int(max(steps)) if steps else None
