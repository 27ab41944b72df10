"""rank_agreement: Spearman's correlation of a metric's method ranking with the ground truth's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlens.errors import DataError, OptionError
from rnnlens.quality import rank_agreement
from rnnlens.quality.agreement import average_ranks

scores = st.lists(st.integers(0, 4).map(float), min_size=2, max_size=8)  # small ints: many ties


@given(scores, st.randoms(use_true_random=False))
def test_agrees_with_scipy_spearman_including_ties(metric, rng):
    stats = pytest.importorskip("scipy.stats")
    truth = metric[:]
    rng.shuffle(truth)
    names = [f"m{i}" for i in range(len(metric))]
    ours = rank_agreement(
        dict(zip(names, metric, strict=True)), dict(zip(names, truth, strict=True))
    )
    if len(set(metric)) == 1 or len(set(truth)) == 1:
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(stats.spearmanr(metric, truth).statistic, abs=1e-12)


def test_same_order_reversed_order_and_key_order():
    truth = {"ig": 0.4, "saliency": 0.2, "random": 0.1}
    assert rank_agreement({"random": 0.0, "ig": 9.0, "saliency": 1.0}, truth) == 1.0
    assert rank_agreement({"ig": 0.0, "saliency": 1.0, "random": 9.0}, truth) == -1.0


def test_average_ranks_share_ties():
    assert average_ranks(np.array([2.0, 2.0, 2.0])).tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("metric", "truth", "error", "words"),
    [
        ({"a": 1.0, "b": 2.0}, {"a": 1.0, "c": 2.0}, OptionError, r"\['b', 'c'\]"),
        ({"a": 1.0}, {"a": 1.0}, OptionError, "two methods"),
        ({"a": 1.0, "b": float("nan")}, {"a": 1.0, "b": 2.0}, DataError, r"NaN.*\['b'\]"),
        ({"a": "x", "b": 1.0}, {"a": 1.0, "b": 2.0}, DataError, "numbers"),
    ],
)
def test_bad_scores(metric, truth, error, words):
    with pytest.raises(error, match=words):
        rank_agreement(metric, truth)
