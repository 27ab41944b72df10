"""Brute-force Shapley values written independently of rnnlens: coalitions built by hand, the model
called directly, the subset formula summed with itertools."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np


def brute_force(
    model,
    x: np.ndarray | list[np.ndarray],
    players: Sequence[np.ndarray | tuple[int, np.ndarray]],
    read: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Shapley values of ``players`` with the zero baseline.

    ``x`` is one sample ``(time, features)`` or a list with one per model input; a player is a boolean
    cell mask (of input 0) or ``(input, mask)``; ``read`` maps model outputs to the target ``(batch,)``.
    """
    inputs = list(x) if isinstance(x, list) else [x]
    owned = [p if isinstance(p, tuple) else (0, p) for p in players]
    n = len(owned)
    coalitions = list(itertools.product([False, True], repeat=n))
    batches = [np.zeros((len(coalitions), *a.shape), dtype=np.float32) for a in inputs]
    for c, members in enumerate(coalitions):
        for i, (array, batch) in enumerate(zip(inputs, batches, strict=True)):
            kept = np.zeros(array.shape, dtype=bool)
            for keep, (owner, mask) in zip(members, owned, strict=True):
                if keep and owner == i:
                    kept |= mask
            batch[c] = np.where(kept, array, 0.0)
    outputs = model(batches if len(batches) > 1 else batches[0])
    v = dict(zip(coalitions, read(np.asarray(outputs)).astype(np.float64), strict=True))
    phi = np.zeros(n)
    for i in range(n):
        for rest in itertools.product([False, True], repeat=n - 1):
            s = sum(rest)
            weight = math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
            without = (*rest[:i], False, *rest[i:])
            with_i = (*rest[:i], True, *rest[i:])
            phi[i] += weight * (v[with_i] - v[without])
    return phi


def event_masks(steps: int, features: int) -> list[np.ndarray]:
    masks = []
    for t in range(steps):
        mask = np.zeros((steps, features), dtype=bool)
        mask[t] = True
        masks.append(mask)
    return masks
