"""Run ``TimeDistributed`` layers as one call over all rows and steps, instead of one call per step.

Keras 3's ``TimeDistributed.call`` loops over the time steps in Python when the time axis is static
(``inputs[i]`` per step, then ``ops.stack``). For a layer whose output for a row depends on that row only
(``Dense``, ``LayerNormalization``...), merging the batch and time axes gives the same numbers from one call:
``(batch, time, ...)`` -> ``(batch * time, ...)`` -> the wrapped layer -> ``(batch, time, ...)``. The wrapped
layer sees the rank it was built for, so its axes keep their meaning. Under a gradient this is faster on every
backend, and on TensorFlow it avoids the dense gradient of each step's slice (memory O(time^2) per row).

Only what is known to be per-row is flattened: the exact classes in ``_PER_ROW`` (not subclasses, which may
change ``call``), unquantized, with one dtype for variables and computation, built-in activations, and axes
that leave the batch axis alone. At call time a wrapper also goes back to Keras's own loop in training mode,
for a dynamic time axis, for nested inputs, and when a mask would reach the wrapped layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rnnlens import _keras
from rnnlens.model_inputs import walk_layers

__all__ = ["flattenable", "flattened_time_distributed"]


@dataclass(frozen=True)
class _PerRow:
    """What a wrapped layer class needs checked before it may run on ``(batch * time, ...)`` rows.

    ``takes_mask``: its ``call`` accepts a mask (Keras passes the wrapper's mask on; it then goes to Keras).
    ``activation``: it applies ``layer.activation``, which must be a Keras built-in (elementwise or over
    the last axis). ``axes``: the name of the attribute holding the axes it reduces over.
    """

    takes_mask: bool = False
    activation: bool = False
    axes: str | None = None


def _per_row_classes() -> dict[type, _PerRow]:
    import keras

    layers = keras.layers
    return {
        layers.Dense: _PerRow(activation=True),
        layers.Activation: _PerRow(activation=True),
        layers.Dropout: _PerRow(),  # identity at inference; training goes to Keras
        layers.LayerNormalization: _PerRow(axes="axis"),
        layers.Softmax: _PerRow(takes_mask=True, axes="axis"),
        layers.Embedding: _PerRow(),  # a lookup per element
    }


def flattenable(layer: Any) -> bool:
    """True when ``layer`` is a ``TimeDistributed`` that :func:`flattened_time_distributed` overrides.

    That is an exact ``keras.layers.TimeDistributed`` around an exact ``Dense``, ``Activation``,
    ``Dropout``, ``LayerNormalization``, ``Softmax`` or ``Embedding`` that is not quantized, computes in its
    variables' dtype and uses a built-in activation. Checks that depend on the call (axes, mask, training,
    static shapes) are made when it runs.

    Example:
        >>> from rnnlens.attribution.time_distributed import flattenable
        >>> flattenable(keras.layers.TimeDistributed(keras.layers.Dense(2)))
        True
        >>> flattenable(keras.layers.TimeDistributed(keras.layers.Conv1D(2, 3)))
        False
    """
    import keras

    if type(layer) is not keras.layers.TimeDistributed:
        return False
    inner = layer.layer
    rule = _per_row_classes().get(type(inner))
    if rule is None or not (_plain_dtypes(layer) and _plain_dtypes(inner)):
        return False
    return not rule.activation or _builtin_activation(inner.activation)


@contextlib.contextmanager
def flattened_time_distributed(model: Any) -> Iterator[None]:
    """Within the block, each :func:`flattenable` ``TimeDistributed`` of ``model`` runs its layer once.

    The wrapped layer runs on the inputs reshaped from ``(batch, time, ...)`` to ``(batch * time, ...)``,
    and its output is reshaped back; results equal Keras's step-by-step loop to float rounding. Layers in
    nested models and inside other wrappers are included. The overrides are removed on exit, in all cases.

    Args:
        model: a built ``keras.Model`` (or any layer with ``layers``).

    Example:
        >>> from rnnlens.attribution.time_distributed import flattened_time_distributed
        >>> td = keras.Sequential([keras.Input((6, 2)), keras.layers.TimeDistributed(keras.layers.Dense(3))])
        >>> with flattened_time_distributed(td):
        ...     flat = keras.ops.convert_to_numpy(td(x))
        >>> bool(np.allclose(flat, keras.ops.convert_to_numpy(td(x)), atol=1e-6))
        True
    """
    calls = {layer: _flattened_call(layer) for layer in _layers_within(model) if flattenable(layer)}
    with _keras.overridden_calls(calls):
        yield


# --------------------------------------------------------------------------------------- internals
def _layers_within(root: Any) -> list[Any]:
    """Every layer of ``root``, looking into nested models and into wrappers (``wrapper.layer``)."""
    import keras

    found: dict[int, Any] = {}
    for layer in walk_layers(root):
        found.setdefault(id(layer), layer)
        while isinstance(layer, keras.layers.Wrapper):
            layer = layer.layer
            found.setdefault(id(layer), layer)
            if hasattr(layer, "layers"):
                for nested in _layers_within(layer):
                    found.setdefault(id(nested), nested)
    return list(found.values())


def _plain_dtypes(layer: Any) -> bool:
    """Not quantized, and variables read in the dtype the layer computes in (no mixed precision)."""
    return layer.quantization_mode is None and layer.compute_dtype == layer.variable_dtype


def _builtin_activation(activation: Any) -> bool:
    """True for a Keras built-in activation, which works elementwise or over the last axis only."""
    import keras

    name = getattr(activation, "__name__", None)
    if not isinstance(name, str):
        return False
    try:
        return keras.activations.get(name) is activation
    except ValueError:  # a custom function Keras does not know by that name
        return False


def _flattened_call(wrapper: Any) -> Callable[..., Any]:
    import keras

    ops = keras.ops
    inner = wrapper.layer
    rule = _per_row_classes()[type(inner)]
    keras_call = type(wrapper).call
    takes_training = _keras.call_takes_training(inner, default=False)

    def call(inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if not _runs_flat(inner, rule, inputs, training, mask):
            return keras_call(wrapper, inputs, training=training, mask=mask)
        steps, rest = inputs.shape[1], tuple(inputs.shape[2:])
        kwargs = {"training": training} if takes_training else {}
        rows = inner.call(ops.reshape(inputs, (-1, *rest)), **kwargs)
        return ops.reshape(rows, (-1, steps, *ops.shape(rows)[1:]))

    return call


def _runs_flat(inner: Any, rule: _PerRow, inputs: Any, training: Any, mask: Any) -> bool:
    """Whether this call may merge batch and time: otherwise it is left to Keras's own loop."""
    shape = getattr(inputs, "shape", None)
    if shape is None or len(shape) < 3 or any(d is None for d in tuple(shape)[1:]):
        return False  # nested inputs, or a dynamic time axis (Keras vectorizes over it instead)
    if not (training is None or training is False):
        return False  # Dropout draws per step in training; rnnlens evaluates with training=False
    if mask is not None and rule.takes_mask:
        return False
    if "call" in vars(inner):
        return False  # already overridden (e.g. a substituted Embedding): its output is not per row
    if rule.axes is not None:
        axes = getattr(inner, rule.axes)
        per_step_rank = len(shape) - 1
        if any(
            int(a) % per_step_rank == 0
            for a in (axes if isinstance(axes, list | tuple) else [axes])
        ):
            return False  # the wrapped layer reduces over its batch axis: rows are not independent
    return True
