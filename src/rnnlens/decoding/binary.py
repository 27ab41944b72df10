"""Sigmoid heads: a probability per unit, thresholded into labels (binary or multi-label)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rnnlens.decoding._rows import RowContext, flatten_rows, frame_for
from rnnlens.errors import DataError, OptionError, TargetError

__all__ = ["decode_binary", "threshold_array"]


def decode_binary(
    probabilities: np.ndarray,
    *,
    threshold: float | Sequence[float] | np.ndarray = 0.5,
    class_names: Sequence[str] | None = None,
    context: RowContext | None = None,
) -> pd.DataFrame:
    """Label sigmoid probabilities: ``probability > threshold`` is positive (Keras ``BinaryAccuracy``).

    One unit (binary): columns ``probability`` (of the positive class), ``predicted`` (0/1),
    ``confidence`` (probability of the predicted class) and, with class names, ``label``.
    Several units (multi-label): ``probability:<name>`` and ``predicted:<name>`` per label, ``labels``
    (the positive names joined by ``;``) and ``n_labels``.

    Args:
        probabilities: ``(batch, units)`` or ``(batch, time, units)`` values in [0, 1].
        threshold: one threshold, or one per unit.
        class_names: binary: ``(negative, positive)`` or just ``(positive,)``; multi-label: one per unit.
        context: ids / times of the samples.

    Returns:
        The table, one row per sample (per sample and step for sequence outputs; padded steps dropped).

    Raises:
        TargetError: class names that do not match the output size.
        OptionError: thresholds that do not match the output size, or outside [0, 1].
        DataError: probabilities outside [0, 1] (or NaN / inf).

    Example:
        >>> decode_binary(np.array([[0.2], [0.9]]), class_names=("neg", "pos"))["label"].tolist()
        ['neg', 'pos']
    """
    probabilities = np.asarray(probabilities)
    rows, _, _ = flatten_rows(probabilities)
    units = rows.shape[1]
    if rows.size and (np.nanmin(rows) < 0 or np.nanmax(rows) > 1 or not np.isfinite(rows).all()):
        raise DataError(
            f"Sigmoid probabilities must lie in [0, 1]; received values in [{np.nanmin(rows):.4g}, "
            f"{np.nanmax(rows):.4g}]. If these are logits, compile the model with a from_logits=True "
            "loss so rnnlens applies sigmoid."
        )
    cut = threshold_array(threshold, units)
    index, keep = frame_for(probabilities, context or RowContext())
    if units == 1:
        table = _binary(rows[:, 0], float(cut[0]), _binary_names(class_names))
    else:
        table = _multilabel(rows, cut, _label_names(class_names, units))
    table = pd.concat([index, table], axis=1)
    return table if keep is None else table[keep].reset_index(drop=True)


def threshold_array(threshold: Any, units: int) -> np.ndarray:
    """``(units,)`` thresholds from one number or one per unit, checked to lie in [0, 1].

    Raises:
        OptionError: not one threshold nor one per unit, or a threshold outside [0, 1].
    """
    cut = np.atleast_1d(np.asarray(threshold, dtype=np.float64))
    if cut.ndim != 1 or cut.size not in (1, units):
        raise OptionError(
            f"Argument `threshold` must be one number or one per output unit ({units}); received "
            f"{cut.size} values."
        )
    if not np.all((cut >= 0) & (cut <= 1)):
        raise OptionError(
            f"Argument `threshold` must lie in [0, 1] for probabilities; received {cut.tolist()}."
        )
    return np.broadcast_to(cut, (units,)).copy()


def _binary_names(names: Sequence[str] | None) -> tuple[str, str] | None:
    if names is None:
        return None
    names = tuple(str(n) for n in names)
    if len(names) == 2:
        return names[0], names[1]
    if len(names) == 1:
        return f"not {names[0]}", names[0]
    raise TargetError(
        f"A binary (one-unit sigmoid) output takes 2 class names (negative, positive) or 1 (the positive "
        f"class); received {len(names)}: {list(names)[:5]}. Check the labels file."
    )


def _label_names(names: Sequence[str] | None, units: int) -> tuple[str, ...]:
    if names is None:
        return tuple(str(i) for i in range(units))
    names = tuple(str(n) for n in names)
    if len(names) != units:
        raise TargetError(
            f"The output has {units} sigmoid units (one per label) but {len(names)} class names were "
            "given. Pass one name per output unit, in unit order."
        )
    return names


def _binary(p: np.ndarray, cut: float, names: tuple[str, str] | None) -> pd.DataFrame:
    predicted = (p > cut).astype(np.int8)
    table = pd.DataFrame(
        {
            "probability": p,
            "predicted": predicted,
            "confidence": np.where(predicted == 1, p, 1 - p),
        }
    )
    if names is not None:
        table.insert(2, "label", np.where(predicted == 1, names[1], names[0]))
    return table


def _multilabel(p: np.ndarray, cut: np.ndarray, names: tuple[str, ...]) -> pd.DataFrame:
    predicted = p > cut[None, :]
    columns: dict[str, Any] = {}
    for unit, name in enumerate(names):
        columns[f"probability:{name}"] = p[:, unit]
    for unit, name in enumerate(names):
        columns[f"predicted:{name}"] = predicted[:, unit]
    name_array = np.array(names, dtype=object)
    columns["labels"] = [";".join(name_array[row]) for row in predicted]
    columns["n_labels"] = predicted.sum(axis=1)
    return pd.DataFrame(columns)
