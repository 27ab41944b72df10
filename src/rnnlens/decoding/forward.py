"""Batched, compiled forward passes: one compiled call per batch chunk, never a per-sample loop."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["compiled_forward", "predict_outputs"]

_CACHE: weakref.WeakKeyDictionary[Any, Callable[..., Any]] = weakref.WeakKeyDictionary()


def compiled_forward(model: Any) -> Callable[..., Any]:
    """``f(*arrays) -> outputs``: the model in inference mode, compiled once for the active backend."""
    cached = _CACHE.get(model)
    if cached is not None:
        return cached
    from rnnlens.attribution.evaluation_model import evaluation_model
    from rnnlens.backends import compile_function

    # The same model attribution evaluates: a stateless clone when a stateful layer holds a fixed-batch
    # state, or when a name is not a valid TensorFlow scope (a compiled call would fail on it).
    evaluated = evaluation_model(model)
    # A weak reference: the cache value must not keep its own key (the model) alive.
    model_ref = weakref.ref(evaluated) if evaluated is model else (lambda: evaluated)

    def forward(*arrays: Any) -> Any:
        live = model_ref()
        if live is None:  # pragma: no cover - the cache entry dies with the model
            raise RuntimeError("The model was garbage-collected.")
        return live(list(arrays) if len(arrays) > 1 else arrays[0], training=False)

    compiled = compile_function(forward)
    _CACHE[model] = compiled
    return compiled


def predict_outputs(
    model: Any, arrays: Sequence[np.ndarray], *, batch_size: int = 512
) -> list[np.ndarray]:
    """Run ``model`` on ``arrays`` (one per model input) in chunks; return every output as NumPy.

    Args:
        model: a ``keras.Model``.
        arrays: validated inputs, each ``(batch, ...)``.
        batch_size: samples per compiled call.

    Returns:
        One array per model output, ``(batch, ...)``.
    """
    import keras

    forward = compiled_forward(model)
    total = int(arrays[0].shape[0])
    chunks: list[list[np.ndarray]] = []
    for start in range(0, max(total, 1), batch_size):
        piece = [np.asarray(a[start : start + batch_size]) for a in arrays]
        result = forward(*piece)
        if isinstance(result, dict):
            outputs = [result[name] for name in model.output_names]
        else:
            outputs = list(result) if isinstance(result, list | tuple) else [result]
        chunks.append([np.asarray(keras.ops.convert_to_numpy(o)) for o in outputs])
    return [np.concatenate([chunk[i] for chunk in chunks]) for i in range(len(chunks[0]))]
