"""The report's ``input_scaler``, checked against the model's feature inputs once, before any drawing.

The inputs view (:func:`rnnlens.report.explained_parts.input_values`) draws a sample in original units only
when the scaler says it covers every feature; a scaler given for that purpose must therefore fit a feature
input, and is handed on in a form that says its width.

Example:
    >>> x = np.zeros((2, 5, 3), dtype="float32")
    >>> scaler = input_scaler_for((10.0, 2.0), [x])  # one mean / std for every feature
    >>> scaler.n_features_in_, scaler.inverse_transform(np.ones((1, 3))).tolist()
    (3, [[12.0, 12.0, 12.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.errors import DataError, OptionError, ShapeError

__all__ = ["FeatureScaler", "input_scaler_for"]


@dataclass(frozen=True)
class FeatureScaler:
    """A scaler of ``n_features_in_`` input features (any scaler :func:`inverse_scale` reads).

    Attributes:
        scaler: the user's scaler: an object with ``inverse_transform``, ``(mean, std)`` or a mapping.
        n_features_in_: how many features it covers (the name scikit-learn scalers use).
    """

    scaler: Any
    n_features_in_: int

    def inverse_transform(self, values: Any) -> np.ndarray:
        """``(rows, features)`` scaled values back in original units."""
        from rnnlens.decoding.scaling import inverse_scale

        return inverse_scale(np.asarray(values, dtype=np.float64), self.scaler)


def input_scaler_for(scaler: Any, arrays: Sequence[np.ndarray]) -> FeatureScaler | None:
    """``scaler`` checked against the model's feature inputs ``(batch, time, features)``.

    Args:
        scaler: the report's ``input_scaler`` (None: inputs drawn as the model saw them).
        arrays: the model inputs, one per model input.

    Returns:
        The scaler with the number of features it covers, or None.

    Raises:
        OptionError: the model has no feature input (token ids are drawn as tokens), or the scaler fits
            none of its feature inputs (it was fitted on another number of columns, e.g. on the target).
    """
    if scaler is None:
        return None
    widths = sorted(
        {
            int(array.shape[-1])
            for array in arrays
            if np.issubdtype(np.asarray(array).dtype, np.floating) and np.ndim(array) == 3
        }
    )
    if not widths:
        raise OptionError(
            "Argument `input_scaler` applies to feature inputs (batch, time, features), but this "
            "model reads only token ids, which the report shows as tokens: leave `input_scaler` out."
        )
    from rnnlens.decoding.scaling import inverse_scale

    reasons = []
    for width in widths:
        try:
            probe = inverse_scale(np.zeros((1, width)), scaler)
        except (DataError, ShapeError) as exc:
            reasons.append(str(exc))
            continue
        if probe.shape == (1, width) and np.isfinite(probe).all():
            return FeatureScaler(scaler, width)
    raise OptionError(
        f"Argument `input_scaler` does not fit the model's feature input(s) of {widths} feature(s): "
        f"{' '.join(reasons) or 'its inverse_transform changed the shape'} Pass the scaler the input "
        "features were standardised with (one mean / std per feature), not the target's."
    )
