"""Batched, compiled forward passes: one compiled call per batch chunk, never a per-sample loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rnnlens.execution import Chunk, cached, plan_chunks, rows_per_chunk, run_chunks, weak_model

__all__ = ["compiled_forward", "predict_outputs"]


def compiled_forward(model: Any) -> Callable[..., Any]:
    """``f(*arrays) -> outputs``: the model in inference mode, compiled once for the active backend."""
    return cached(model, ("decoding", "forward"), lambda: _compile_forward(model))


def _compile_forward(model: Any) -> Callable[..., Any]:
    from rnnlens.attribution.evaluation_model import evaluation_model
    from rnnlens.backends import compile_function

    # The same model attribution evaluates: a stateless clone when a stateful layer holds a fixed-batch
    # state, or when a name is not a valid TensorFlow scope (a compiled call would fail on it).
    evaluated = evaluation_model(model)
    # Weakly: the cache value must not keep its own key (the model) alive; a clone only we hold, strongly.
    live = weak_model(evaluated) if evaluated is model else (lambda: evaluated)

    def forward(*arrays: Any) -> Any:
        return live()(list(arrays) if len(arrays) > 1 else arrays[0], training=False)

    return compile_function(forward)


def predict_outputs(
    model: Any, arrays: Sequence[np.ndarray], *, batch_size: int = 512
) -> list[np.ndarray]:
    """Run ``model`` on ``arrays`` (one per model input) in chunks; return every output as NumPy.

    Args:
        model: a ``keras.Model``.
        arrays: validated inputs, each ``(batch, ...)``.
        batch_size: at most this many samples per compiled call (the chunks are balanced).

    Returns:
        One array per model output, ``(batch, ...)``.

    Raises:
        OptionError: ``batch_size`` is not a positive integer.
    """
    import keras

    forward = compiled_forward(model)
    total = int(arrays[0].shape[0])
    size = rows_per_chunk(total, 1, batch_size=batch_size)

    def work(chunk: Chunk) -> list[np.ndarray]:
        result = forward(*[np.asarray(a[chunk.rows]) for a in arrays])
        if isinstance(result, dict):
            outputs = [result[name] for name in model.output_names]
        else:
            outputs = list(result) if isinstance(result, list | tuple) else [result]
        return [np.asarray(keras.ops.convert_to_numpy(o)) for o in outputs]

    # At least one call, even for 0 samples: the outputs then keep their shapes and dtypes.
    chunks = plan_chunks(total, size, pad=False) or (Chunk(0, 0, 0),)
    parts = list(run_chunks(work, chunks))
    return [np.concatenate([part[i] for part in parts]) for i in range(len(parts[0]))]
