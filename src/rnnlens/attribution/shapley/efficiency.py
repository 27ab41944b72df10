"""Efficiency made exact: the values of a game sum to ``F(x) - F(baseline)``."""

from __future__ import annotations

import numpy as np

__all__ = ["balance"]


def balance(values: np.ndarray, total: float) -> np.ndarray:
    """``values`` (float64, one per player) adjusted so that they sum to ``total``.

    Estimators sum to ``v(N) - v(empty)`` by construction; what is left is float32 rounding (``v(N)`` is
    evaluated by another compiled call than the reported output) and noise zeroed in null players. The
    residual goes to the players with a nonzero value, in proportion to ``|value|``, so null players stay
    exactly 0.

    Example:
        >>> balance(np.array([1.0, 0.0, 3.0]), 4.4)
        array([1.1, 0. , 3.3])
    """
    residual = total - values.sum()
    weights = np.abs(values)
    if residual == 0 or weights.sum() == 0:
        return values
    return values + residual * weights / weights.sum()
