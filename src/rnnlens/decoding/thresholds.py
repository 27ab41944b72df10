"""Choose a decision threshold for probabilities on labelled validation data (F1 or Youden's J), in NumPy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from rnnlens.errors import DataError, OptionError

__all__ = ["METHODS", "ThresholdChoice", "choose_threshold"]

METHODS = ("f1", "youden")
Method = Literal["f1", "youden"]


@dataclass(frozen=True)
class ThresholdChoice:
    """A chosen threshold: predict positive when ``probability > threshold``.

    Attributes:
        threshold: the decision threshold.
        method: ``"f1"`` or ``"youden"``.
        score: the F1 score or Youden's J (TPR - FPR) the threshold reaches on the validation data.
        n_samples: validation samples used.
    """

    threshold: float
    method: str
    score: float
    n_samples: int


def choose_threshold(y_true: Any, scores: Any, method: Method = "f1") -> ThresholdChoice:
    """The threshold that maximises F1 or Youden's J on labelled data, searched over every distinct score.

    Samples are predicted positive when ``score > threshold`` (Keras's ``BinaryAccuracy`` rule). Each
    candidate cut lies halfway between consecutive distinct scores, so the result does not sit on a
    validation score. Ties in the metric go to the highest threshold (fewest positives).

    Args:
        y_true: ``(n,)`` ground truth, 0/1 or bool.
        scores: ``(n,)`` predicted probabilities of the positive class.
        method: ``"f1"`` (harmonic mean of precision and recall) or ``"youden"`` (TPR - FPR).

    Returns:
        :class:`ThresholdChoice`.

    Raises:
        OptionError: an unknown method.
        DataError: mismatched lengths, labels other than 0/1, non-finite scores, or a validation set
            without both classes.

    Example:
        >>> choose_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).threshold
        0.225
    """
    if method not in METHODS:
        raise OptionError(f"Argument `method` must be one of {METHODS}, received {method!r}.")
    truth = np.asarray(y_true).reshape(-1)
    score = np.asarray(scores, dtype=np.float64).reshape(-1)
    if truth.shape != score.shape:
        raise DataError(
            f"Validation labels and scores must have the same length; received {truth.size} labels "
            f"and {score.size} scores."
        )
    if not np.isin(truth, (0, 1)).all():
        bad = truth[~np.isin(truth, (0, 1))][0].item()
        raise DataError(
            f"Validation labels for a sigmoid output must be 0 or 1; found {bad!r}. Pass the binary "
            "ground truth (one column per label for multi-label outputs)."
        )
    if not np.isfinite(score).all():
        raise DataError("Scores contain NaN or inf; cannot choose a threshold.")
    truth = truth.astype(bool)
    positives = int(truth.sum())
    negatives = truth.size - positives
    if positives == 0 or negatives == 0:
        raise DataError(
            f"Choosing a threshold needs both classes in the validation labels; received {positives} "
            f"positive and {negatives} negative sample(s). Use a larger validation set."
        )
    order = np.argsort(-score, kind="stable")
    sorted_scores = score[order]
    sorted_truth = truth[order]
    # The last index of each run of equal scores: cutting there makes every score >= it positive.
    ends = np.flatnonzero(np.r_[sorted_scores[1:] != sorted_scores[:-1], True])
    tp = np.cumsum(sorted_truth)[ends].astype(np.float64)
    fp = (ends + 1) - tp
    fn = positives - tp
    # F1 = 2TP / (2TP + FP + FN); Youden's J = TPR - FPR.
    metric = 2 * tp / (2 * tp + fp + fn) if method == "f1" else tp / positives - fp / negatives
    best = int(np.argmax(metric))
    distinct = sorted_scores[ends]
    if best + 1 < distinct.size:
        threshold = float((distinct[best] + distinct[best + 1]) / 2)
    else:
        threshold = float(np.nextafter(distinct[best], -np.inf))
    return ThresholdChoice(
        threshold=threshold, method=method, score=float(metric[best]), n_samples=int(truth.size)
    )
