"""Threshold choice equals an exhaustive search over every possible cut; Youden agrees with sklearn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlens.decoding import choose_threshold
from rnnlens.errors import DataError, OptionError


def brute_force(y, s, method):
    """Try every cut between sorted distinct scores (and below the lowest); count by hand."""
    distinct = np.unique(s)
    cuts = [*((distinct[:-1] + distinct[1:]) / 2), distinct[0] - 1.0]
    best = -np.inf
    for cut in cuts:
        pred = s > cut
        tp = np.sum(pred & (y == 1))
        fp = np.sum(pred & (y == 0))
        fn = np.sum(~pred & (y == 1))
        tn = np.sum(~pred & (y == 0))
        score = 2 * tp / (2 * tp + fp + fn) if method == "f1" else tp / (tp + fn) - fp / (fp + tn)
        best = max(best, score)
    return best


def metric_at(y, s, cut, method):
    pred = s > cut
    tp = np.sum(pred & (y == 1))
    fp = np.sum(pred & (y == 0))
    fn = np.sum(~pred & (y == 1))
    tn = np.sum(~pred & (y == 0))
    return 2 * tp / (2 * tp + fp + fn) if method == "f1" else tp / (tp + fn) - fp / (fp + tn)


@given(
    data=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 20).map(lambda v: v / 20)),
        min_size=2,
        max_size=40,
    ),
    method=st.sampled_from(["f1", "youden"]),
)
def test_choice_reaches_the_exhaustive_optimum(data, method):
    y = np.array([d[0] for d in data])
    s = np.array([d[1] for d in data])
    if y.min() == y.max():
        y[0] = 1 - y[0]
    choice = choose_threshold(y, s, method)
    assert choice.score == pytest.approx(brute_force(y, s, method), abs=1e-12)
    assert metric_at(y, s, choice.threshold, method) == pytest.approx(choice.score, abs=1e-12)
    assert choice.n_samples == len(y)


def test_youden_matches_sklearn_roc_curve():
    metrics = pytest.importorskip(
        "sklearn.metrics", reason="scikit-learn is an optional cross-check"
    )
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = np.clip(y * 0.3 + rng.normal(0.35, 0.2, 200), 0, 1)
    fpr, tpr, _ = metrics.roc_curve(y, s)
    assert choose_threshold(y, s, "youden").score == pytest.approx(np.max(tpr - fpr), abs=1e-12)
    best_f1 = max(metrics.f1_score(y, s > c) for c in np.unique(s))
    assert choose_threshold(y, s, "f1").score == pytest.approx(best_f1, abs=1e-12)


def test_docstring_example():
    assert choose_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).threshold == pytest.approx(0.225)


@pytest.mark.parametrize(
    ("y", "s", "method", "error", "pattern"),
    [
        ([0, 1], [0.1, 0.9], "accuracy", OptionError, "must be one of"),
        ([0, 1, 1], [0.1, 0.9], "f1", DataError, "same length"),
        ([0, 2], [0.1, 0.9], "f1", DataError, "must be 0 or 1; found 2"),
        ([1, 1], [0.1, 0.9], "youden", DataError, "needs both classes.*2 positive and 0 negative"),
        ([0, 1], [0.1, np.nan], "f1", DataError, "NaN or inf"),
    ],
)
def test_bad_validation_data_is_explained(y, s, method, error, pattern):
    with pytest.raises(error, match=pattern):
        choose_threshold(y, s, method)
