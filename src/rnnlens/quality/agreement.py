"""Does a faithfulness metric rank methods as the ground truth does? Spearman's rank correlation.

For benchmarks with a known truth (the box benchmark of Ismail et al., 2020): the metric's scores of
each method (e.g. ``deletion_aopc`` from :func:`rnnlens.quality.compare`) against the ground-truth scores
of the same methods (e.g. AUPRC against the informative cells). Pure NumPy, no model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnlens.errors import DataError, OptionError

__all__ = ["average_ranks", "rank_agreement"]


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks ``1..n`` of ``values`` ``(n,)`` in increasing order, ties sharing their mean rank.

    Example:
        >>> average_ranks(np.array([0.3, 0.1, 0.3, 0.2])).tolist()
        [3.5, 1.0, 3.5, 2.0]
    """
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1, dtype=np.float64)
    _, first, counts = np.unique(values[order], return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        if count > 1:
            ranks[order[start : start + count]] = start + (count + 1) / 2.0
    return ranks


def rank_agreement(
    scores_by_method: Mapping[str, float], truth_by_method: Mapping[str, float]
) -> float:
    """Spearman's rank correlation between a metric's scores and the ground truth's, over methods.

    Both map the same method names to a score where higher means better. Ties share their mean rank
    (as ``scipy.stats.spearmanr``).

    Args:
        scores_by_method: method name -> the metric's score (e.g. deletion AOPC).
        truth_by_method: method name -> the ground-truth score (e.g. AUPRC against the true cells).

    Returns:
        A correlation in ``[-1, 1]``: 1 when the metric orders the methods as the truth does, -1 when it
        reverses them; NaN when either side gives every method the same score (no order to compare).

    Raises:
        OptionError: fewer than two methods, or the two mappings name different methods.
        DataError: a score is not a finite number.

    Example:
        >>> metric = {"ig": 0.30, "saliency": 0.12, "occlusion": 0.10, "random": 0.05}
        >>> truth = {"ig": 0.41, "saliency": 0.19, "occlusion": 0.22, "random": 0.18}
        >>> rank_agreement(metric, truth)  # saliency and occlusion swapped
        0.8
    """
    names = sorted(scores_by_method)
    if sorted(truth_by_method) != names:
        missing = sorted(set(names) ^ set(truth_by_method))
        raise OptionError(
            f"Arguments `scores_by_method` and `truth_by_method` must name the same methods; "
            f"{missing} appear in only one of them."
        )
    if len(names) < 2:
        raise OptionError(
            f"Rank agreement needs at least two methods to order, received {len(names)}: {names}."
        )
    scores = _finite([scores_by_method[name] for name in names], "scores_by_method", names)
    truth = _finite([truth_by_method[name] for name in names], "truth_by_method", names)
    left, right = average_ranks(scores), average_ranks(truth)
    left, right = left - left.mean(), right - right.mean()
    scale = float(np.sqrt((left**2).sum() * (right**2).sum()))
    if scale == 0.0:
        return float("nan")
    return float(np.clip((left * right).sum() / scale, -1.0, 1.0))


def _finite(values: list[float], name: str, names: list[str]) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"Argument `{name}` must map methods to numbers: {exc}.") from None
    bad = [method for method, value in zip(names, array, strict=True) if not np.isfinite(value)]
    if bad:
        raise DataError(
            f"Argument `{name}` holds NaN or inf for {bad}; score every method, or leave it out of both."
        )
    return array
