"""Global importance over every explained sample: which features and steps matter across the data.

Like SHAP's summary: the importance of a feature is the mean over samples of its total ``|attribution|``
in a sample (summed over time steps), with the spread (standard deviation) over samples beside it. A step's
importance is the same over features. Token inputs are ranked per token (by text) and per position.

Example:
    >>> values = np.array([[[1.0, -2.0], [0.0, 1.0]], [[3.0, 0.0], [-1.0, 0.0]]])
    >>> found = feature_importance(values)
    >>> found.mean.tolist(), found.spread.tolist()
    ([2.5, 1.5], [1.5, 1.5])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.errors import ShapeError
from rnnlens.report.data import Heatmap, Line, SeriesPlot, Table

__all__ = [
    "Importance",
    "feature_importance",
    "importance_parts",
    "sequence_ranking",
    "step_importance",
    "token_importance",
]

#: Tokens listed in the ranking of a token input.
MAX_TOKENS = 15


@dataclass(frozen=True)
class Importance:
    """Mean and spread of ``|attribution|`` per item (feature, step or token), over samples.

    Attributes:
        mean: ``(item,)`` mean over samples of the item's total ``|attribution|`` in a sample.
        spread: ``(item,)`` its standard deviation over samples.
        count: ``(item,)`` how many samples the item appears in (tokens; else every sample).
    """

    mean: np.ndarray
    spread: np.ndarray
    count: np.ndarray

    def ranking(self) -> np.ndarray:
        """Item indices from the most to the least important (ties keep their order)."""
        return np.argsort(-self.mean, kind="stable")


def _sample_time_feature(values: Any) -> np.ndarray:
    array = np.abs(np.asarray(values, np.float64))
    if array.ndim != 3:
        raise ShapeError(
            f"Global importance needs attributions (sample, time, feature), received shape {array.shape}."
        )
    return np.nan_to_num(array)


def _summary(per_sample: np.ndarray) -> Importance:
    return Importance(
        per_sample.mean(axis=0),
        per_sample.std(axis=0),
        np.full(per_sample.shape[1], per_sample.shape[0]),
    )


def feature_importance(values: Any) -> Importance:
    """Per feature: mean over samples of ``sum_t |a[s, t, f]|``, and its spread.

    Args:
        values: ``(sample, time, feature)`` attributions.
    """
    return _summary(_sample_time_feature(values).sum(axis=1))


def step_importance(values: Any) -> Importance:
    """Per time step: mean over samples of ``sum_f |a[s, t, f]|``, and its spread.

    Args:
        values: ``(sample, time, feature)`` attributions.
    """
    return _summary(_sample_time_feature(values).sum(axis=2))


def token_importance(
    values: Any, ids: Any, vocab: Sequence[str] | None
) -> tuple[list[str], Importance]:
    """Per distinct token: mean ``|attribution|`` of its occurrences (padding id 0 left out).

    Args:
        values: ``(sample, token)`` attributions.
        ids: ``(sample, token)`` the token ids.
        vocab: the vocabulary (position = id).

    Returns:
        The tokens as text and their importance (``count``: occurrences).
    """
    scores = np.abs(np.asarray(values, np.float64)).reshape(-1)
    tokens = np.asarray(ids).reshape(-1).astype(np.int64)
    keep = (tokens != 0) & np.isfinite(scores)
    scores, tokens = scores[keep], tokens[keep]
    unique, inverse = np.unique(tokens, return_inverse=True)
    count = np.bincount(inverse, minlength=unique.size)
    total = np.bincount(inverse, weights=scores, minlength=unique.size)
    squares = np.bincount(inverse, weights=scores**2, minlength=unique.size)
    mean = total / np.maximum(count, 1)
    spread = np.sqrt(np.maximum(squares / np.maximum(count, 1) - mean**2, 0.0))
    names = [str(vocab[t]) if vocab is not None and 0 <= t < len(vocab) else str(t) for t in unique]
    return names, Importance(mean, spread, count)


def sequence_ranking(values: Any, sequence_ids: Any) -> tuple[list[str], np.ndarray]:
    """Each feature's rank (1 = most important) within each source sequence, e.g. each engine of a fleet.

    Args:
        values: ``(sample, time, feature)`` attributions.
        sequence_ids: ``(sample,)`` the sequence each sample came from.

    Returns:
        The sequences (as text, in order of first appearance) and ``(feature, sequence)`` ranks.
    """
    per_sample = _sample_time_feature(values).sum(axis=1)
    ids = np.asarray(sequence_ids)
    order = list(dict.fromkeys(ids.tolist()))
    ranks = np.zeros((per_sample.shape[1], len(order)), dtype=np.int64)
    for column, sequence in enumerate(order):
        mean = per_sample[ids == sequence].mean(axis=0)
        ranks[np.argsort(-mean, kind="stable"), column] = np.arange(1, mean.size + 1)
    return [str(s) for s in order], ranks


def importance_parts(
    results: Sequence[Any],
    *,
    feature_names: Sequence[str] | None = None,
    vocab: Any = None,
    sequence_ids: Any = None,
    time_label: str = "time step",
) -> tuple[Any, ...]:
    """The data-set view of the attributions of every explained sample.

    Args:
        results: attribution results of the explained samples (one per attributed input); results over
            every output step are read at the last step, as the per-sample maps are.
        feature_names: names of the feature axis.
        vocab: the vocabulary, shared or per input name.
        sequence_ids: ``(sample,)`` source sequence of each explained sample: with several sequences,
            each feature's rank per sequence (a fleet of engines) is shown too.
        time_label: what a step is.

    Returns:
        Per feature input: a ranking table (mean ``|attribution|`` ± spread, share of the total), the
        importance per step (mean and mean ± spread), a ``(feature, step)`` map of mean ``|attribution|``
        and, with several sequences, a ``(feature, sequence)`` rank map. Per token input: the top tokens
        and the importance per position.
    """
    from rnnlens.report.sections import vocab_for

    parts: list[Any] = []
    for result in results:
        values = np.asarray(result.values, np.float64)
        axes = tuple(result.axes)
        if "output_time" in axes:
            values = values[:, -1]
        n = values.shape[0]
        what = f"input {result.input_name}, {n} explained sample{'s' if n != 1 else ''}"
        if result.tokens:
            names, found = token_importance(
                values, result.inputs, vocab_for(vocab, result.input_name)
            )
            top = found.ranking()[:MAX_TOKENS]
            parts.append(
                Table(
                    f"Most important tokens ({what})",
                    ("rank", "token", "mean |attribution|", "spread (std)", "occurrences"),
                    tuple(
                        (
                            str(r + 1),
                            names[i],
                            _num(found.mean[i]),
                            _num(found.spread[i]),
                            str(found.count[i]),
                        )
                        for r, i in enumerate(top)
                    ),
                    caption="Mean |attribution| of a token's occurrences over the explained samples.",
                )
            )
            positions = np.nan_to_num(np.abs(values))
            parts.append(_over_steps(_summary(positions), "token position", what))
            continue
        if values.ndim != 3:
            continue
        found = feature_importance(values)
        features = _names(values.shape[2], feature_names)
        total = float(found.mean.sum()) or 1.0
        parts.append(
            Table(
                f"Global feature importance ({what})",
                ("rank", "feature", "mean |attribution|", "spread (std)", "share"),
                tuple(
                    (
                        str(r + 1),
                        features[i],
                        _num(found.mean[i]),
                        _num(found.spread[i]),
                        f"{found.mean[i] / total:.0%}",
                    )
                    for r, i in enumerate(found.ranking())
                ),
                caption=(
                    "A feature's importance in a sample is its |attribution| summed over steps; the table "
                    "gives its mean and standard deviation over the explained samples."
                ),
            )
        )
        parts.append(_over_steps(step_importance(values), time_label, what))
        order = found.ranking()
        parts.append(
            Heatmap(
                title=f"Mean |attribution| per feature and {time_label} ({what})",
                values=np.nan_to_num(np.abs(values)).mean(axis=0).T[order],
                x_label=time_label,
                x_ticks=tuple(str(t) for t in range(values.shape[1])),
                y_label="feature (most important first)",
                y_ticks=tuple(features[i] for i in order),
                value_label="mean |attribution|",
                scale="sequential",
                zmin=0.0,
            )
        )
        several = sequence_ids is not None and len(set(np.asarray(sequence_ids).tolist())) > 1
        if several and values.shape[2] > 1:
            sequences, ranks = sequence_ranking(values, sequence_ids)
            parts.append(
                Heatmap(
                    title=f"Feature rank in each sequence (1 = most important; {what})",
                    values=ranks[order].astype(np.float32),
                    x_label="sequence",
                    x_ticks=tuple(sequences),
                    y_label="feature",
                    y_ticks=tuple(features[i] for i in order),
                    value_label="rank",
                    scale="sequential",
                )
            )
    return tuple(parts)


def _over_steps(found: Importance, time_label: str, what: str) -> SeriesPlot:
    steps = np.arange(found.mean.size, dtype=np.float32)
    return SeriesPlot(
        title=f"Importance per {time_label} ({what})",
        x=steps,
        lines=(
            Line("mean |attribution|", found.mean),
            Line("mean + std", found.mean + found.spread, dashed=True),
            Line("mean - std", np.maximum(found.mean - found.spread, 0.0), dashed=True),
        ),
        x_label=time_label,
        y_label="|attribution| summed over features",
    )


def _names(count: int, names: Sequence[str] | None) -> tuple[str, ...]:
    if names is not None and len(names) == count:
        return tuple(str(n) for n in names)
    return tuple(f"feature {k}" for k in range(count))


def _num(value: float) -> str:
    return f"{float(value):.3g}"
