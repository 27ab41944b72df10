"""Every use of Keras internals, behind small named functions: the one file to patch when Keras changes.

rnnlens replays functional graphs, reads how each layer was called, propagates masks and overrides one
Embedding call; Keras 3 offers no public API for these, so they read private attributes (``_inbound_nodes``,
``_nodes_by_depth``, ``node.arguments``, ``keras.src.backend`` masks...). Nothing else in ``rnnlens`` may
touch them (``tests/test_keras_seam.py`` greps the sources); ``pyproject.toml`` bounds Keras to the versions
this file was checked against.

This module also says once what a recurrent layer is (:func:`is_recurrent_layer`, the layers inspection
describes, and :func:`is_traceable_recurrent`, the layer calls tracing replays). Keras is imported lazily so
that ``import rnnlens`` stays fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = [
    "autocast_scope",
    "call_takes_training",
    "fill_in_call",
    "functional_graph",
    "get_mask",
    "has_graph",
    "inbound_nodes",
    "is_convolutional_recurrent",
    "is_recurrent_layer",
    "is_symbolic",
    "is_traceable_recurrent",
    "keras_history",
    "node_args",
    "node_kwargs",
    "nodes_by_depth",
    "overridden_calls",
    "safe_mode_scope",
    "set_mask",
    "unwrap_time_distributed",
]


# ------------------------------------------------------------------------------ graph and calls
def keras_history(tensor: Any) -> tuple[Any, int, int] | None:
    """``(operation, node_index, tensor_index)`` that produced a symbolic tensor, or None."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None
    operation, node_index, tensor_index = history
    return operation, int(node_index), int(tensor_index)


def is_symbolic(value: Any) -> bool:
    """True for a symbolic Keras tensor that belongs to a graph (it has a producer)."""
    return hasattr(value, "_keras_history")


def inbound_nodes(layer: Any) -> list[Any]:
    """The recorded calls (nodes) of ``layer``, in call order; empty for a layer never called."""
    return list(getattr(layer, "_inbound_nodes", None) or [])


def node_args(node: Any) -> tuple[Any, ...]:
    """The positional arguments a layer call received (symbolic tensors and constants)."""
    return tuple(node.arguments.args)


def node_kwargs(node: Any) -> Mapping[str, Any]:
    """The keyword arguments a layer call received (``initial_state=``, ``mask=``...)."""
    return dict(node.arguments.kwargs)


def fill_in_call(node: Any, values: Mapping[int, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The call's ``(args, kwargs)`` with each symbolic tensor replaced by ``values[id(tensor)]``."""
    args, kwargs = node.arguments.fill_in(values)
    return list(args), dict(kwargs)


def functional_graph(model: Any) -> Any:
    """The functional graph behind a Sequential model (None before it knows its input shape)."""
    return getattr(model, "_functional", None)


def has_graph(model: Any) -> bool:
    """True for a model that records a functional graph (not a subclassed model)."""
    return hasattr(model, "_nodes_by_depth") and hasattr(model, "_operations")


def nodes_by_depth(graph: Any) -> Mapping[int, list[Any]]:
    """The graph's nodes grouped by depth (0 = outputs; higher = closer to the inputs)."""
    return dict(graph._nodes_by_depth)


# --------------------------------------------------------------------------------------- masks
def get_mask(tensor: Any) -> Any:
    """The Keras mask attached to ``tensor`` (None if there is none)."""
    from keras.src.backend import get_keras_mask

    return get_keras_mask(tensor)


def set_mask(tensor: Any, mask: Any) -> None:
    """Attach ``mask`` to ``tensor`` the way a layer call does, so the next layers see it."""
    from keras.src.backend import set_keras_mask

    set_keras_mask(tensor, mask)


# ------------------------------------------------------------------------------ scopes and calls
def autocast_scope(layer: Any) -> Any:
    """A scope in which ``layer``'s variables are read in its compute dtype, as ``Layer.__call__`` does.

    Under a mixed policy (``mixed_float16``) the variables are float32 while the layer computes in float16;
    outside a Keras call nobody casts them, so tracers read the weights inside this scope.
    """
    from keras.src.backend import AutocastScope, is_float_dtype

    dtype = layer.compute_dtype
    mixed = layer.autocast and is_float_dtype(dtype) and dtype != layer.variable_dtype
    return AutocastScope(dtype if mixed else None)


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool) -> Iterator[None]:
    """Hold Keras's process-wide safe-mode flag at ``safe_mode``; the previous value returns on exit."""
    from keras.src.saving.serialization_lib import SafeModeScope

    with SafeModeScope(safe_mode):
        yield


def call_takes_training(layer: Any, *, default: bool) -> bool:
    """Whether ``layer.call`` accepts a ``training`` argument (``default`` where Keras does not say)."""
    return bool(getattr(layer, "_call_has_training_arg", default))


@contextlib.contextmanager
def overridden_calls(calls: Mapping[Any, Callable[..., Any]]) -> Iterator[None]:
    """Within the block, each layer in ``calls`` runs the given function instead of its ``call``.

    The override is set on the instance (``call`` and ``quantized_call``, which Keras picks for quantized
    layers), so ``Layer.__call__`` still does the rest (masks, dtypes); it is removed on exit, in all cases.
    """
    patched = []
    try:
        for layer, call in calls.items():
            object.__setattr__(layer, "call", call)
            object.__setattr__(layer, "quantized_call", call)
            patched.append(layer)
        yield
    finally:
        for layer in patched:
            object.__delattr__(layer, "call")
            object.__delattr__(layer, "quantized_call")


# ---------------------------------------------------------------------- what a recurrent layer is
def unwrap_time_distributed(layer: Any) -> Any:
    """The layer inside ``TimeDistributed`` wrappers (or the layer itself)."""
    import keras

    while isinstance(layer, keras.layers.TimeDistributed):
        layer = layer.layer
    return layer


def is_recurrent_layer(layer: Any) -> bool:
    """True for the layers inspection describes as recurrent.

    ``keras.layers.RNN`` subclasses (LSTM, GRU, SimpleRNN, ``RNN(cell)``, convolutional LSTMs) and
    ``Bidirectional``, also inside ``TimeDistributed``.
    """
    import keras

    inner = unwrap_time_distributed(layer)
    return isinstance(inner, keras.layers.Bidirectional | keras.layers.RNN)


def is_convolutional_recurrent(layer: Any) -> bool:
    """True for the convolutional recurrent layers (``ConvLSTM1D/2D/3D``), which tracing does not replay."""
    import keras

    return isinstance(layer, keras.layers.RNN) and type(layer.cell).__name__.startswith("ConvLSTM")


def is_traceable_recurrent(layer: Any) -> bool:
    """True for the layer calls tracing replays: ``Bidirectional``, and ``RNN`` subclasses but ConvLSTMs.

    Unlike :func:`is_recurrent_layer`, a ``TimeDistributed`` wrapper is not looked through.
    """
    import keras

    if isinstance(layer, keras.layers.Bidirectional):
        return True
    return isinstance(layer, keras.layers.RNN) and not is_convolutional_recurrent(layer)
