"""Undo the target scaling a user trained with: any ``inverse_transform`` object, or a mean and a std."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rnnlens.errors import DataError, ShapeError

__all__ = ["describe_scaler", "inverse_scale"]


def inverse_scale(
    values: np.ndarray, scaler: Any, *, target_index: int | Sequence[int] | None = None
) -> np.ndarray:
    """Map scaled model outputs back to the target's original units.

    Args:
        values: ``(rows, targets)`` model outputs in scaled units.
        scaler: None (identity); an object with ``inverse_transform`` (a fitted scikit-learn scaler or
            anything alike); a ``(mean, std)`` pair; or a mapping with ``mean`` and ``std`` (or ``scale``).
            Means and stds are scalars or one per target (or one per scaler feature with ``target_index``).
        target_index: when the scaler was fitted on more columns than the model predicts (e.g. on every
            feature, of which one is the target), the scaler column of each target.

    Returns:
        ``(rows, targets)`` float64 values in original units.

    Raises:
        ShapeError: the scaler's width does not match the targets and ``target_index`` is missing or bad.
        DataError: the scaler is not usable (no ``inverse_transform``, a mean / std that is not finite, a
            std <= 0).

    Example:
        >>> inverse_scale(np.array([[0.0], [1.0]]), (10.0, 2.0)).ravel().tolist()
        [10.0, 12.0]
    """
    values = np.asarray(values, dtype=np.float64)
    if scaler is None:
        return values
    targets = values.shape[1]
    if hasattr(scaler, "inverse_transform"):
        width = getattr(scaler, "n_features_in_", None)
        columns = _target_columns(target_index, targets, width)
        if columns is None:
            return _call(scaler, values)
        full = np.zeros((values.shape[0], int(width)), dtype=np.float64)  # type: ignore[arg-type]
        full[:, columns] = values
        return _call(scaler, full)[:, columns]
    mean, std = _mean_std(scaler)
    columns = _target_columns(target_index, targets, _width(mean, std, targets))
    if columns is not None:
        mean = mean if mean.size == 1 else mean[columns]
        std = std if std.size == 1 else std[columns]
    return values * std + mean


def describe_scaler(scaler: Any) -> str | None:
    """A short text for reports: the scaler's class, or its mean / std."""
    if scaler is None:
        return None
    if hasattr(scaler, "inverse_transform"):
        return type(scaler).__name__
    mean, std = _mean_std(scaler)
    return f"value * {std.tolist()} + {mean.tolist()}"


def _call(scaler: Any, values: np.ndarray) -> np.ndarray:
    try:
        out = np.asarray(scaler.inverse_transform(values), dtype=np.float64)
    except Exception as exc:  # user objects raise anything
        raise DataError(
            f"The scaler's inverse_transform failed on an array of shape {values.shape}: {exc}. Pass "
            "target_index when the scaler was fitted on more columns than the model predicts."
        ) from exc
    if out.shape != values.shape:
        raise DataError(
            f"The scaler's inverse_transform returned shape {out.shape} for input {values.shape}; "
            "it must keep the shape."
        )
    return out


def _mean_std(scaler: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(scaler, Mapping):
        if "mean" not in scaler or not ({"std", "scale"} & set(scaler)):
            raise DataError(
                f"A scaler given as a mapping needs 'mean' and 'std' (or 'scale'); received keys "
                f"{sorted(scaler)}."
            )
        pair = (scaler["mean"], scaler.get("std", scaler.get("scale")))
    elif isinstance(scaler, Sequence) and not isinstance(scaler, str) and len(scaler) == 2:
        pair = (scaler[0], scaler[1])
    else:
        raise DataError(
            "Argument `scaler` must have an inverse_transform method, or be (mean, std) or "
            f"{{'mean': ..., 'std': ...}}; received {type(scaler).__name__}."
        )
    try:
        mean = np.atleast_1d(np.asarray(pair[0], dtype=np.float64))
        std = np.atleast_1d(np.asarray(pair[1], dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"The scaler's mean and std must be numbers or arrays of numbers: {exc}"
        ) from exc
    if mean.ndim != 1 or std.ndim != 1 or not (np.isfinite(mean).all() and np.isfinite(std).all()):
        raise DataError(
            f"The scaler's mean and std must be finite scalars or 1-D arrays; received mean "
            f"{mean.tolist()} and std {std.tolist()}."
        )
    if (std <= 0).any():
        raise DataError(
            f"The scaler's std must be positive (it is the spread the targets were divided by); "
            f"received {std.tolist()}. Pass the std of the training targets, e.g. `y_train.std()`."
        )
    return mean, std


def _width(mean: np.ndarray, std: np.ndarray, targets: int) -> int | None:
    sizes = {mean.size, std.size} - {1}
    if len(sizes) > 1:
        raise ShapeError(
            f"The scaler's mean has {mean.size} values and std {std.size}; they must match."
        )
    return sizes.pop() if sizes else None


def _target_columns(
    target_index: int | Sequence[int] | None, targets: int, width: int | None
) -> list[int] | None:
    """Scaler columns of the targets, or None when the scaler applies to the targets as they are."""
    if target_index is None:
        if width is None or width == targets:
            return None
        raise ShapeError(
            f"The scaler was fitted on {width} column(s) but the output has {targets} target(s). Pass "
            "target_index (CLI --target-index): the scaler column of each predicted target."
        )
    indices = np.atleast_1d(np.asarray(target_index, dtype=object))
    if indices.ndim != 1 or not all(
        isinstance(i, int | np.integer) and not isinstance(i, bool) for i in indices
    ):
        raise ShapeError(
            f"Argument `target_index` must be a column index (int) or one per target, received "
            f"{target_index!r}."
        )
    columns = [int(i) for i in indices]
    if len(columns) != targets:
        raise ShapeError(
            f"Argument `target_index` names {len(columns)} column(s) but the output has {targets} "
            "target(s); give one scaler column per target."
        )
    if width is not None and not all(0 <= c < width for c in columns):
        raise ShapeError(
            f"Argument `target_index` {columns} is outside the scaler's {width} column(s)."
        )
    return columns
