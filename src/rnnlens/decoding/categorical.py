"""Softmax heads: top-k classes with probabilities, entropy and the confidence margin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rnnlens.decoding._rows import RowContext, flatten_rows, frame_for
from rnnlens.decoding.options import check_positive_int
from rnnlens.errors import DataError, TargetError

__all__ = ["check_distribution", "decode_categorical", "entropy", "rank_classes"]

_SUM_TOLERANCE = 1e-3


def decode_categorical(
    probabilities: np.ndarray,
    *,
    top_k: int = 3,
    class_names: Sequence[str] | None = None,
    context: RowContext | None = None,
) -> pd.DataFrame:
    """Read a distribution over classes: the most likely classes, how sure, and how close the runner-up.

    Columns: ``label``, ``class_index`` and ``probability`` of the top class; ``top<i>_label`` /
    ``top<i>_probability`` for ranks 2..k; ``entropy`` (nats; 0 = certain, ln(classes) = uniform) and
    ``margin`` (top-1 minus top-2 probability). Ties rank the lower class index first.

    Args:
        probabilities: ``(batch, classes)`` or ``(batch, time, classes)``, each row summing to 1.
        top_k: how many classes to list (capped at the number of classes).
        class_names: one name per class (a vocabulary for token outputs); default the class index.
        context: ids / times of the samples.

    Returns:
        The table, one row per sample, or per sample and step for sequence outputs (padded steps dropped).

    Raises:
        OptionError: ``top_k`` is not a positive integer.
        TargetError: class names that do not match the number of classes.
        DataError: rows that are not probability distributions.

    Example:
        >>> decode_categorical(np.array([[0.1, 0.7, 0.2]]), class_names=["a", "b", "c"])["label"][0]
        'b'
    """
    probabilities = np.asarray(probabilities)
    rows, _, _ = flatten_rows(probabilities)
    classes = rows.shape[1]
    check_distribution(rows)
    names = _class_names(class_names, classes)
    k = min(check_positive_int(top_k, "top_k"), classes)
    indices, values = rank_classes(rows, k)
    columns: dict[str, Any] = {
        "label": names[indices[:, 0]],
        "class_index": indices[:, 0],
        "probability": values[:, 0],
    }
    for rank in range(1, k):
        columns[f"top{rank + 1}_label"] = names[indices[:, rank]]
        columns[f"top{rank + 1}_probability"] = values[:, rank]
    columns["entropy"] = entropy(rows)
    runner_up = rank_classes(rows, 2)[1][:, 1] if classes > 1 else np.zeros(len(rows), rows.dtype)
    columns["margin"] = values[:, 0] - runner_up
    index, keep = frame_for(probabilities, context or RowContext())
    table = pd.concat([index, pd.DataFrame(columns)], axis=1)
    return table if keep is None else table[keep].reset_index(drop=True)


def rank_classes(rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, k)`` class indices by falling probability (ties: lower index first) and their values."""
    order = np.argsort(-rows, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(rows, order, axis=1)


def entropy(rows: np.ndarray) -> np.ndarray:
    """Shannon entropy in nats of each row, with 0 * log 0 = 0, computed in float64."""
    p = rows.astype(np.float64)
    logs = np.log(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=1)


def check_distribution(rows: np.ndarray) -> None:
    """Raise DataError unless every row is non-negative and sums to 1 (within 1e-3)."""
    if not rows.size:
        return
    if not np.isfinite(rows).all() or rows.min() < 0:
        raise DataError(
            "Softmax outputs must be finite and non-negative; received values in "
            f"[{np.nanmin(rows):.4g}, {np.nanmax(rows):.4g}]. If these are logits, compile the model with "
            "a from_logits=True loss so rnnlens applies softmax."
        )
    sums = rows.sum(axis=1, dtype=np.float64)
    worst = int(np.argmax(np.abs(sums - 1)))
    if abs(sums[worst] - 1) > _SUM_TOLERANCE:
        raise DataError(
            f"Softmax outputs must sum to 1 over the classes; row {worst} sums to {sums[worst]:.6g}. "
            "If these are logits, compile the model with a from_logits=True loss so rnnlens applies "
            "softmax; log-probabilities need a log_softmax head."
        )


def _class_names(names: Sequence[str] | None, classes: int) -> np.ndarray:
    if names is None:
        return np.array([str(i) for i in range(classes)], dtype=object)
    names = [str(n) for n in names]
    if len(names) != classes:
        raise TargetError(
            f"The output has {classes} classes but {len(names)} class names (or vocabulary tokens) were "
            "given. Pass one name per class, in the order of the output units."
        )
    return np.array(names, dtype=object)
