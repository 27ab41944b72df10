"""The causal horizon: input steps after the explained output step cannot matter to a causal model.

A unidirectional recurrent stack (with per-step heads) computes output step ``t`` from input steps
``0..t`` only, so any exact attribution to a later input step is 0 (integrated gradients gives exactly 0
there). Window methods must not smear a window's effect forward past that horizon.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.errors import RnnlensError
from rnnlens.model_inputs import input_name

__all__ = ["causal_inputs", "clip_after", "target_horizons"]


def causal_inputs(model: Any, output: int) -> frozenset[int]:
    """Positions (in ``model.inputs``) of the inputs that output ``output`` reads causally, step by step.

    Empty when the output is not a sequence, is not causal (bidirectional or backward layers, a
    ``RepeatVector``, layers that mix steps), or cannot be described. For an encoder-decoder only the
    decoder input qualifies: the encoder reaches the output through initial states, not step by step.
    """
    from rnnlens.inspection import inspect_model
    from rnnlens.inspection.graph import ancestors, positional_inputs, producer

    try:
        causal = inspect_model(model).outputs[output].causal
    except RnnlensError:  # a model inspection cannot describe: make no claim, clip nothing
        return frozenset()
    if causal is not True:
        return frozenset()
    inputs = list(model.inputs)
    names = [input_name(tensor) for tensor in inputs]
    positions: set[int] = set()
    for found in ancestors(model.outputs[output], positional_only=True):
        for tensor in positional_inputs(found.node):
            if producer(tensor, found.scope).layer is not None:
                continue  # produced by a layer: ancestors() walks on from there
            same = [i for i, candidate in enumerate(inputs) if candidate is tensor]
            named = [i for i, name in enumerate(names) if name == input_name(tensor)]
            positions.update(same or named)
    return frozenset(positions)


def target_horizons(weights: np.ndarray) -> np.ndarray | None:
    """``(rows,)`` the last output step each row's target reads, or None for outputs without time axis.

    Args:
        weights: the resolved target weights ``(rows, time, units)`` (or ``(rows, units)``).
    """
    if weights.ndim != 3:
        return None
    used = np.any(weights != 0, axis=2)
    return np.asarray(used.shape[1] - 1 - np.argmax(used[:, ::-1], axis=1), dtype=np.int64)


def clip_after(values: np.ndarray, horizons: np.ndarray) -> np.ndarray:
    """``values`` ``(rows, time, ...)`` with every step after its row's horizon set to exactly 0."""
    steps = np.arange(values.shape[1])
    after = steps[None, :] > horizons[:, None]
    return np.where(after.reshape(*after.shape, *(1,) * (values.ndim - 2)), 0.0, values)
