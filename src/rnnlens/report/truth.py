"""Predictions against the data's known truth: confusion, residuals, and which samples to explain.

A report whose data carries targets (:attr:`rnnlens.data.Dataset.targets`) compares the model's predictions
with them over the whole data (not only the explained samples), chooses the samples to explain so that both
kinds appear (right and wrong, every class), and flags the explained samples the model got wrong.

Example:
    >>> truth = compare_classes(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]), ("neg", "pos"))
    >>> confusion_matrix(truth).tolist()
    [[2, 0], [1, 1]]
    >>> [int(i) for i in np.flatnonzero(~truth.correct)]
    [2]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlens.errors import ShapeError
from rnnlens.report.data import Heatmap, Line, SeriesPlot, Table

__all__ = [
    "MAX_LISTED",
    "TruthComparison",
    "choose_samples",
    "compare_classes",
    "compare_values",
    "compare_with_truth",
    "confusion_matrix",
    "flag_misclassified",
    "misclassified_note",
    "predicted_vs_truth",
    "truth_over_data",
    "truth_parts",
]

#: The most samples predicted to compare with the truth (the first ones of larger data).
MAX_COMPARED = 20000

#: The most misclassified samples (or largest residuals) listed in a table.
MAX_LISTED = 20


@dataclass(frozen=True)
class TruthComparison:
    """The model's predictions beside the data's truth, one row per sample of the data.

    Attributes:
        kind: ``"classification"`` (class ids) or ``"regression"`` (values).
        truth: ``(sample,)`` true class ids or values.
        predicted: ``(sample,)`` predicted class ids or values.
        class_names: one name per class (classification), else ``()``.
        unit: what a regression value is, e.g. ``"value (target units)"``.
    """

    kind: str
    truth: np.ndarray
    predicted: np.ndarray
    class_names: tuple[str, ...] = ()
    unit: str = "value"

    def __post_init__(self) -> None:
        truth, predicted = np.asarray(self.truth), np.asarray(self.predicted)
        if truth.shape != predicted.shape or truth.ndim != 1:
            raise ShapeError(
                f"TruthComparison needs one truth and one prediction per sample, (sample,) each; "
                f"received truth {truth.shape} and predictions {predicted.shape}."
            )
        object.__setattr__(self, "truth", truth)
        object.__setattr__(self, "predicted", predicted)
        object.__setattr__(self, "class_names", tuple(str(n) for n in self.class_names))

    @property
    def correct(self) -> np.ndarray:
        """``(sample,)`` True where the predicted class is the true one (regression: all True)."""
        if self.kind != "classification":
            return np.ones(self.truth.shape, dtype=bool)
        return np.asarray(self.truth == self.predicted)

    @property
    def residuals(self) -> np.ndarray:
        """``(sample,)`` prediction minus truth (regression)."""
        return np.asarray(self.predicted, np.float64) - np.asarray(self.truth, np.float64)

    def name(self, class_id: int) -> str:
        """A class id as its name (the id itself when unnamed)."""
        index = int(class_id)
        return self.class_names[index] if 0 <= index < len(self.class_names) else str(index)


def compare_classes(
    truth: Any, predicted: Any, class_names: Sequence[str] | None = None
) -> TruthComparison:
    """A classifier's predicted class ids beside the true ones.

    Args:
        truth: ``(sample,)`` true class ids, or ``(sample, classes)`` one-hot rows.
        predicted: ``(sample,)`` predicted class ids.
        class_names: one name per class (default: the ids).

    Raises:
        ShapeError: the two do not hold one class per sample each.
    """
    ids = np.asarray(truth)
    if ids.ndim == 2 and ids.shape[1] > 1:
        ids = ids.argmax(axis=1)
    ids = ids.reshape(ids.shape[0], -1)[:, -1] if ids.ndim > 1 else ids
    names = tuple(class_names or ())
    n_classes = max(len(names), int(ids.max(initial=0)) + 1, int(np.max(predicted, initial=0)) + 1)
    if len(names) < n_classes:
        names = tuple(str(k) for k in range(n_classes))
    return TruthComparison(
        "classification",
        np.rint(ids.astype(np.float64)).astype(np.int64),
        np.asarray(predicted).astype(np.int64),
        names,
    )


def compare_with_truth(
    raw: np.ndarray,
    targets: Any,
    out: Any,
    *,
    labels: Sequence[str] | None = None,
    decode_options: Any = None,
) -> TruthComparison | None:
    """Compare one model output over the data with the data's targets, when they can be compared.

    Args:
        raw: ``(sample, ...)`` the output's raw values over the data (a sequence output is read at its
            last step).
        targets: the data's targets, ``(sample,)`` class ids or values, or ``(sample, classes)`` one-hot.
        out: the explained output's ``OutputSpec`` (its head says how to read ``raw``).
        labels: class names.
        decode_options: the report's ``decode_options``: ``threshold`` (binary heads), ``scaler`` and
            ``target_index`` (regression values and targets are put back in the target's units).

    Returns:
        The comparison, or None when the targets do not hold one class or one value per sample (e.g.
        multi-label heads, forecasts with a target per step).
    """
    from rnnlens.decoding.api import head_kind

    options = dict(decode_options or {})
    kind, transform = head_kind(out)
    values = np.asarray(raw, np.float64)
    if out.is_sequence and values.ndim >= 3:
        values = values[:, -1]
    values = values.reshape(values.shape[0], -1)
    truth = np.asarray(targets)
    if truth.shape[0] != values.shape[0] or not np.issubdtype(truth.dtype, np.number):
        return None
    if kind == "binary" and values.shape[1] == 1 and truth.size == truth.shape[0]:
        threshold = options.get("threshold", 0.5)
        cut = float(threshold) if isinstance(threshold, int | float) else 0.5
        scores = 1.0 / (1.0 + np.exp(-values[:, 0])) if transform == "sigmoid" else values[:, 0]
        names = tuple(labels) if labels is not None and len(labels) == 2 else ("0", "1")
        return compare_classes(truth.reshape(-1), (scores > cut).astype(np.int64), names)
    if kind == "categorical":
        one_hot = truth.ndim == 2 and truth.shape[1] == values.shape[1]
        if not (one_hot or truth.size == truth.shape[0]):
            return None
        named = tuple(labels) if labels is not None and len(labels) == values.shape[1] else None
        classes = truth if one_hot else truth.reshape(-1)
        if not one_hot and (classes.min() < 0 or classes.max() >= values.shape[1]):
            return None
        return compare_classes(classes, values.argmax(axis=1), named)
    if kind == "regression" and values.shape[1] == 1 and truth.size == truth.shape[0]:
        scaler = options.get("scaler")
        column = truth.reshape(-1, 1).astype(np.float64)
        if scaler is not None:
            from rnnlens.decoding.scaling import inverse_scale

            index = options.get("target_index")
            values = inverse_scale(values, scaler, target_index=index)
            column = inverse_scale(column, scaler, target_index=index)
        unit = "value" if scaler is None else "value (target units)"
        return compare_values(column[:, 0], values[:, 0], unit=unit)
    return None


def truth_over_data(
    model: Any,
    arrays: Sequence[np.ndarray],
    targets: Any,
    out: Any,
    *,
    labels: Sequence[str] | None = None,
    decode_options: Any = None,
) -> TruthComparison | None:
    """Predict the data (its first :data:`MAX_COMPARED` samples) and compare with its targets.

    Args:
        model: the ``keras.Model``.
        arrays: the validated model inputs over the data, one per model input.
        targets: the data's targets, or None.
        out: the explained output's ``OutputSpec``.
        labels, decode_options: as :func:`compare_with_truth`.

    Returns:
        The comparison, or None without targets or when they cannot be compared with this output.
    """
    if targets is None:
        return None
    from rnnlens.decoding.forward import predict_outputs

    rows = min(int(arrays[0].shape[0]), MAX_COMPARED)
    raw = predict_outputs(model, [np.asarray(a[:rows]) for a in arrays])[out.index]
    return compare_with_truth(
        raw, np.asarray(targets)[:rows], out, labels=labels, decode_options=decode_options
    )


def flag_misclassified(sections: Sequence[Any], truth: TruthComparison | None) -> list[Any]:
    """The sample sections, each one the model got wrong with a note saying so and ``(misclassified)``."""
    import dataclasses

    flagged = []
    for section in sections:
        index = section.index
        note = (
            None
            if truth is None or index >= truth.truth.shape[0]
            else misclassified_note(truth, index)
        )
        if note is not None:
            section = dataclasses.replace(
                section, title=section.title + " (misclassified)", notes=(note, *section.notes)
            )
        flagged.append(section)
    return flagged


def compare_values(truth: Any, predicted: Any, *, unit: str = "value") -> TruthComparison:
    """A regression model's predicted values beside the true ones (one value per sample)."""
    values = np.asarray(truth, np.float64)
    return TruthComparison(
        "regression", values.reshape(values.shape[0]), np.asarray(predicted, np.float64), unit=unit
    )


def confusion_matrix(truth: TruthComparison) -> np.ndarray:
    """``(true class, predicted class)`` counts: entry ``[i, j]`` counts samples of class i predicted j."""
    n = len(truth.class_names)
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (truth.truth, truth.predicted), 1)
    return counts


def choose_samples(truth: TruthComparison, max_samples: int) -> list[int]:
    """Up to ``max_samples`` sample indices that show both kinds: right and wrong, every class.

    Classifiers: the samples are grouped by (true class, right or wrong); the groups take turns, wrong ones
    first, each giving its earliest sample not yet chosen, so every class and every kind of mistake present
    appears before any group gives a second sample. Regression: the largest errors and samples spread over
    the range of true values, alternately.

    Returns:
        Sample indices in ascending order.

    Example:
        >>> truth = compare_classes([0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1])
        >>> choose_samples(truth, 3)
        [0, 3, 4]
    """
    count = min(int(max_samples), truth.truth.shape[0])
    if truth.kind == "classification":
        correct = truth.correct
        groups = [
            [int(i) for i in np.flatnonzero((truth.truth == k) & (correct == right))]
            for right in (False, True)
            for k in range(len(truth.class_names))
        ]
        queues = [group for group in groups if group]
    else:
        worst = [int(i) for i in np.argsort(-np.abs(truth.residuals), kind="stable")]
        by_truth = np.argsort(truth.truth, kind="stable")
        spread = [
            int(by_truth[round(q)]) for q in np.linspace(0, len(by_truth) - 1, num=max(count, 1))
        ]
        queues = [worst, spread]
    chosen: list[int] = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            while queue and int(queue[0]) in chosen:
                queue.pop(0)
            if queue and len(chosen) < count:
                chosen.append(int(queue.pop(0)))
    return sorted(chosen)


def misclassified_note(truth: TruthComparison, sample: int) -> str | None:
    """A sentence flagging a sample the model got wrong (or None when it got it right)."""
    if truth.kind != "classification" or truth.correct[sample]:
        return None
    return (
        f"Misclassified: the data says {truth.name(truth.truth[sample])!r}, the model predicts "
        f"{truth.name(truth.predicted[sample])!r}."
    )


def predicted_vs_truth(truth: TruthComparison) -> SeriesPlot:
    """Regression: predictions and truth over the samples sorted by their true value, with the residual."""
    order = np.argsort(truth.truth, kind="stable")
    return SeriesPlot(
        title="Predicted vs true, samples sorted by their true value",
        x=np.arange(order.size, dtype=np.float32),
        lines=(
            Line("true value", truth.truth[order], dashed=True),
            Line("prediction", truth.predicted[order]),
            Line("residual (prediction - truth)", truth.residuals[order]),
        ),
        x_label="sample rank by true value",
        y_label=truth.unit,
    )


def truth_parts(truth: TruthComparison, explained: Sequence[int] = ()) -> tuple[Any, ...]:
    """The report parts comparing predictions with the truth.

    Args:
        truth: the comparison over the data.
        explained: the samples the report explains (their rows link to their sections).

    Returns:
        Classifiers: a summary table (accuracy, counts), the confusion matrix and a table of the
        misclassified samples. Regression: a summary (MAE, RMSE, bias), the predicted-vs-true plot and
        the samples with the largest errors.
    """
    shown = set(int(i) for i in explained)
    n = truth.truth.shape[0]
    if truth.kind == "classification":
        counts = confusion_matrix(truth)
        wrong = np.flatnonzero(~truth.correct)
        summary = Table(
            "How often the model is right",
            ("samples", "correct", "misclassified", "accuracy"),
            (
                (
                    str(n),
                    str(n - wrong.size),
                    str(wrong.size),
                    f"{(n - wrong.size) / max(n, 1):.1%}",
                ),
            ),
        )
        names = truth.class_names
        matrix = Heatmap(
            title="Confusion matrix (samples)",
            values=counts.astype(np.float32),
            x_label="predicted class",
            x_ticks=names,
            y_label="true class",
            y_ticks=names,
            value_label="samples",
            scale="sequential",
            zmin=0.0,
        )
        listed = _explained_first(wrong, shown)[:MAX_LISTED]
        misses = Table(
            f"Misclassified samples ({wrong.size}"
            + (f", first {len(listed)} listed" if wrong.size > len(listed) else "")
            + ")",
            ("sample", "true class", "predicted class", "explained below"),
            tuple(
                (
                    str(i),
                    truth.name(truth.truth[i]),
                    truth.name(truth.predicted[i]),
                    "yes" if i in shown else "no",
                )
                for i in listed
            ),
            caption="" if wrong.size else "The model gets every sample right.",
            row_links=tuple(f"sample-{i}" if i in shown else None for i in listed),
        )
        return (summary, matrix, misses)
    residuals = truth.residuals
    summary = Table(
        f"How far the predictions are from the truth ({truth.unit})",
        ("samples", "mean absolute error", "root mean squared error", "mean bias"),
        (
            (
                str(n),
                f"{np.mean(np.abs(residuals)):.4g}",
                f"{np.sqrt(np.mean(residuals**2)):.4g}",
                f"{np.mean(residuals):+.4g}",
            ),
        ),
    )
    worst = _explained_first(np.argsort(-np.abs(residuals), kind="stable"), set())[:MAX_LISTED]
    largest = Table(
        f"Largest errors (first {len(worst)} of {n})",
        ("sample", "true value", "prediction", "error", "explained below"),
        tuple(
            (
                str(i),
                f"{truth.truth[i]:.4g}",
                f"{truth.predicted[i]:.4g}",
                f"{residuals[i]:+.4g}",
                "yes" if i in shown else "no",
            )
            for i in worst
        ),
        row_links=tuple(f"sample-{i}" if i in shown else None for i in worst),
    )
    return (summary, predicted_vs_truth(truth), largest)


def _explained_first(indices: np.ndarray, shown: set[int]) -> list[int]:
    """The indices with the explained ones first (each group keeps its order)."""
    ordered = [int(i) for i in indices]
    return [i for i in ordered if i in shown] + [i for i in ordered if i not in shown]
