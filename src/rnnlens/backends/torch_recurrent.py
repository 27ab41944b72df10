"""Recurrent layers replayed through PyTorch's fused kernels (``torch.lstm``, ``torch.gru``, ``torch.rnn_tanh``).

On CPU, Keras's PyTorch backend runs LSTM, GRU and SimpleRNN as a Python loop over time steps, and autograd
records every step: attribution then spends most of its time in the interpreter. PyTorch's own recurrent
kernels compute the same recurrences in one call each way. Within :func:`fused_recurrent_layers`, every
recurrent layer whose cell maps exactly onto one of them runs it instead; anything else (a mask, dropout
while training, other activations, ``reset_after=False``, custom cells or subclasses, mixed precision)
runs Keras's own code, so results only differ by float rounding.

The maps, per layer (Keras kernels are ``(features, k * units)``, PyTorch's ``(k * units, features)``):

- LSTM: gate blocks i, f, c, o in both, so ``weight_ih = kernel.T``, ``weight_hh = recurrent_kernel.T``,
  ``bias_ih = bias``, ``bias_hh = 0``.
- GRU (``reset_after=True``): Keras's blocks are z, r, h and PyTorch's r, z, n; the blocks are reordered,
  ``bias_ih`` / ``bias_hh`` are Keras's input and recurrent bias rows. Both compute
  ``h_t = z * h_{t-1} + (1 - z) * tanh(x W_h + b_h + r * (h_{t-1} U_h + c_h))``.
- SimpleRNN (tanh or relu): ``weight_ih = kernel.T``, ``weight_hh = recurrent_kernel.T``, ``bias_ih = bias``.

The weights enter detached: rnnlens differentiates with respect to inputs only.
"""

# torch is imported inside the functions (only rnnlens.backends.torch imports this module, lazily).

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from rnnlens import _keras

__all__ = ["fused_call", "fused_recurrent_layers"]


@contextlib.contextmanager
def fused_recurrent_layers(model: Any) -> Iterator[None]:
    """Within the block, the eligible recurrent layers of ``model`` run PyTorch's fused kernels."""
    calls = {}
    for layer in _recurrent_layers(model):
        call = fused_call(layer)
        if call is not None:
            calls[layer] = call
    if not calls:
        yield
        return
    with _keras.overridden_calls(calls):
        yield


def fused_call(layer: Any) -> Callable[..., Any] | None:
    """A replacement for ``layer.call`` through a fused kernel, or None when the layer does not map exactly.

    The replacement itself runs Keras's ``call`` for the calls it cannot take (a mask, or dropout while
    training).
    """
    import torch

    kernel_fn = _kernel_for(layer)
    if kernel_fn is None:
        return None
    keras_call = type(layer).call

    def call(
        sequences: Any, initial_state: Any = None, mask: Any = None, training: bool = False
    ) -> Any:
        cell = layer.cell
        dropping = training and (cell.dropout or cell.recurrent_dropout)
        if mask is not None or dropping or sequences.dtype != torch.float32:
            return keras_call(
                layer, sequences, initial_state=initial_state, mask=mask, training=training
            )
        inputs = torch.flip(sequences, dims=[1]) if layer.go_backwards else sequences
        outputs, states = kernel_fn(layer, inputs, _initial_states(layer, inputs, initial_state))
        output = outputs if layer.return_sequences else outputs[:, -1]
        return (output, *states) if layer.return_state else output

    return call


# ------------------------------------------------------------------------------------------- kernels
Kernel = Callable[[Any, Any, list[Any]], tuple[Any, list[Any]]]


def _lstm(layer: Any, inputs: Any, states: list[Any]) -> tuple[Any, list[Any]]:
    import torch

    cell = layer.cell
    kernel, recurrent = _weight(cell.kernel), _weight(cell.recurrent_kernel)
    # Keras's gate blocks i, f, c, o are PyTorch's i, f, g, o: no reordering.
    params = [kernel.T, recurrent.T, *_biases(cell, kernel.shape[1], separate=False)]
    h0, c0 = (state.unsqueeze(0) for state in states)
    outputs, h, c = torch.lstm(inputs, (h0, c0), params, True, 1, 0.0, False, False, True)
    return outputs, [h[0], c[0]]


def _gru(layer: Any, inputs: Any, states: list[Any]) -> tuple[Any, list[Any]]:
    import torch

    cell = layer.cell
    kernel, recurrent = _weight(cell.kernel), _weight(cell.recurrent_kernel)
    params = [_reset_first(kernel.T), _reset_first(recurrent.T)]
    params += [_reset_first(b) for b in _biases(cell, kernel.shape[1], separate=True)]
    outputs, h = torch.gru(inputs, states[0].unsqueeze(0), params, True, 1, 0.0, False, False, True)
    return outputs, [h[0]]


def _simple_rnn(layer: Any, inputs: Any, states: list[Any]) -> tuple[Any, list[Any]]:
    import torch

    cell = layer.cell
    kernel, recurrent = _weight(cell.kernel), _weight(cell.recurrent_kernel)
    params = [kernel.T, recurrent.T, *_biases(cell, kernel.shape[1], separate=False)]
    run = torch.rnn_tanh if _activation(cell.activation) == "tanh" else torch.rnn_relu
    outputs, h = run(inputs, states[0].unsqueeze(0), params, True, 1, 0.0, False, False, True)
    return outputs, [h[0]]


def _weight(variable: Any) -> Any:
    import torch

    return torch.as_tensor(variable.value).detach()


def _biases(cell: Any, width: int, *, separate: bool) -> list[Any]:
    """``[bias_ih, bias_hh]``: Keras's bias (rows: input, recurrent when ``separate``), zeros if none."""
    import torch

    if not cell.use_bias:
        zeros = torch.zeros(width, dtype=torch.float32)
        return [zeros, zeros]
    bias = _weight(cell.bias)
    if separate:
        return [bias[0], bias[1]]
    return [bias, torch.zeros_like(bias)]


def _reset_first(blocks: Any) -> Any:
    """GRU blocks z, r, h (Keras) -> r, z, n (PyTorch), along the first axis."""
    import torch

    update, reset, candidate = torch.chunk(blocks, 3, dim=0)
    return torch.cat([reset, update, candidate], dim=0)


def _initial_states(layer: Any, inputs: Any, initial_state: Any) -> list[Any]:
    import torch

    n_states = 2 if _kind(layer) == "LSTM" else 1
    if initial_state is None:
        zeros = torch.zeros((inputs.shape[0], layer.cell.units), dtype=inputs.dtype)
        return [zeros] * n_states
    states = list(initial_state) if isinstance(initial_state, list | tuple) else [initial_state]
    return [torch.as_tensor(state).to(torch.float32) for state in states]


# ---------------------------------------------------------------------------------------- eligibility
def _kernel_for(layer: Any) -> Kernel | None:
    """The fused kernel that computes ``layer`` exactly, or None."""
    kind = _kind(layer)
    if kind is None or getattr(layer, "stateful", False):
        return None
    cell = layer.cell
    if cell.compute_dtype != "float32" or cell.variable_dtype != "float32":
        return None
    if getattr(layer, "quantization_mode", None) is not None:
        return None
    activation = _activation(cell.activation)
    if kind == "SimpleRNN":
        return _simple_rnn if activation in ("tanh", "relu") else None
    if activation != "tanh" or _activation(cell.recurrent_activation) != "sigmoid":
        return None
    if kind == "GRU":
        return _gru if cell.reset_after else None
    return _lstm


def _kind(layer: Any) -> str | None:
    """``"LSTM"``, ``"GRU"`` or ``"SimpleRNN"`` for the stock layers with their stock cells, else None.

    Subclasses are refused: they may change the recurrence this module replaces.
    """
    import keras

    layers = keras.layers
    stock = {
        "LSTM": (layers.LSTM, layers.LSTMCell),
        "GRU": (layers.GRU, layers.GRUCell),
        "SimpleRNN": (layers.SimpleRNN, layers.SimpleRNNCell),
    }
    for kind, (layer_class, cell_class) in stock.items():
        if type(layer) is layer_class and type(getattr(layer, "cell", None)) is cell_class:
            return kind
    return None


def _activation(function: Any) -> str | None:
    """``"tanh"``, ``"sigmoid"`` or ``"relu"`` for Keras's own activation functions, else None."""
    import keras

    activations = keras.activations
    for name in ("tanh", "sigmoid", "relu"):
        if function is getattr(activations, name):
            return name
    return None


def _recurrent_layers(model: Any) -> Iterator[Any]:
    """Every layer of ``model``: nested models' layers and the layers Bidirectional wraps."""
    for layer in getattr(model, "layers", []):
        yield layer
        if layer is not model:
            yield from _recurrent_layers(layer)
        for attribute in ("forward_layer", "backward_layer", "layer"):
            inner = getattr(layer, attribute, None)
            if inner is not None and inner is not layer:
                yield inner
                yield from _recurrent_layers(inner)
