"""The one seam where TensorFlow, JAX and PyTorch are imported.

Every backend module (``tensorflow.py``, ``jax.py``, ``torch.py``) exports the same names; :func:`current`
picks the one matching ``keras.backend.backend()``. Core code calls these functions and never imports a
framework itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from rnnlens.errors import BackendError

__all__ = [
    "compile_function",
    "compiles_per_batch_size",
    "current",
    "model_function",
    "name",
    "value_and_grad",
]

_MODULES = {
    "tensorflow": "rnnlens.backends.tensorflow",
    "jax": "rnnlens.backends.jax",
    "torch": "rnnlens.backends.torch",
}


def name() -> str:
    """The active Keras backend: ``tensorflow``, ``jax`` or ``torch``."""
    import keras

    return str(keras.backend.backend())


def current() -> ModuleType:
    """The backend module for the active Keras backend."""
    backend = name()
    module = _MODULES.get(backend)
    if module is None:
        raise BackendError(
            f"Keras backend {backend!r} is not supported; set KERAS_BACKEND to one of {sorted(_MODULES)}."
        )
    return importlib.import_module(module)


def compiles_per_batch_size() -> bool:
    """True when the active backend compiles its functions anew for every batch size (JAX's ``jit``).

    TensorFlow traces one graph for any batch size and PyTorch runs eagerly; under JAX each new chunk size
    costs a compilation (about 1 s for 2 x LSTM(64) on 2 cores), so callers keep to a few sizes.
    """
    return name() == "jax"


def compile_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a pure function of tensors for the active backend (tf.function / jax.jit / as-is for torch)."""
    return current().compile_function(fn)  # type: ignore[no-any-return]


# A model-aware function: ``fn(call, inputs, extras)`` where ``call(model_inputs)`` runs the model forward
# (training=False), ``inputs`` are float tensors (differentiated by value_and_grad) and ``extras`` are tensors
# that are not (token ids, target weights). The backend decides how ``call`` reaches the weights: a live
# model in TensorFlow and PyTorch, ``stateless_call`` with the variables as traced arguments in JAX.
ModelFn = Callable[[Callable[[Any], Any], list[Any], list[Any]], Any]


def value_and_grad(
    fn: ModelFn, model: Any
) -> Callable[[list[Any], list[Any]], tuple[Any, list[Any]]]:
    """Compile ``fn`` and its gradient: the single place rnnlens computes gradients.

    Args:
        fn: ``fn(call, inputs, extras) -> values`` of shape ``(rows,)``; ``call(x)`` runs ``model`` with
            ``training=False``. Built from ``keras.ops`` only. Rows must be independent (the gradient of
            ``sum(values)`` is taken, so row ``i``'s gradient is the gradient of ``values[i]``).
        model: the ``keras.Model`` that ``call`` runs.

    Returns:
        ``run(inputs, extras) -> (values, grads)``: NumPy ``values`` ``(rows,)`` and one NumPy gradient per
        array in ``inputs``, same shape (zeros where ``fn`` does not depend on it). Compiled with
        ``tf.function`` (TensorFlow), ``jax.jit`` over ``model.stateless_call`` (JAX) or run by autograd
        (PyTorch); it is retraced only for new input shapes. It holds ``model`` weakly (so that it can be
        cached per model without keeping the model alive): keep the model while you use it; a call after
        the model was garbage-collected raises ``RuntimeError``.

    Example:
        >>> ops = keras.ops
        >>> run = value_and_grad(lambda call, xs, ex: ops.sum(call(xs[0]), axis=(1, 2)), model)
        >>> values, (grad,) = run([x], [])
        >>> values.shape, grad.shape  # (rows,) and one gradient per input, shaped like it
        ((4,), (4, 6, 2))
    """
    return current().value_and_grad(fn, model)  # type: ignore[no-any-return]


def model_function(fn: ModelFn, model: Any) -> Callable[[list[Any], list[Any]], Any]:
    """Compile ``fn(call, inputs, extras)`` without gradients; the result comes back as NumPy.

    The forward-only twin of :func:`value_and_grad` (same ``fn`` contract), used for batched occlusion and
    ablation passes. ``fn`` may return a tensor or a list of tensors. Like :func:`value_and_grad`, it holds
    ``model`` weakly.
    """
    return current().model_function(fn, model)  # type: ignore[no-any-return]
