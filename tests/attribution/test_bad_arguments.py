"""Bad API arguments and unbounded knobs: each raises one RnnlensError subclass with a clear message."""

from __future__ import annotations

import time

import numpy as np
import pytest

import rnnlens
from rnnlens.errors import OptionError, TargetError

X = np.random.default_rng(0).normal(size=(2, 6, 3)).astype("float32")


@pytest.fixture(scope="module")
def model():
    import keras

    keras.utils.set_random_seed(2)
    return keras.Sequential([keras.Input((6, 3)), keras.layers.SimpleRNN(3), keras.layers.Dense(2)])


@pytest.mark.parametrize(
    ("method", "options", "message"),
    [
        ("ig", {"n_steps": 1001}, "from 1 to 1000, received 1001. Each step is one model"),
        ("ig", {"n_steps": 10**7}, "from 1 to 1000"),
        ("ig", {"internal_batch_size": 0}, "`internal_batch_size` must be an integer >= 1"),
        ("ig", {"internal_batch_size": 2.0}, "`internal_batch_size` must be an integer"),
        ("ig", {"memory_budget_mb": float("inf")}, "finite number of megabytes"),
        ("ig", {"memory_budget_mb": float("nan")}, "finite number of megabytes"),
        ("occlusion", {"window": (2, 2, 2)}, "pair \\(steps, features\\), received \\(2, 2, 2\\)"),
        ("occlusion", {"window": 2.5}, "`window` must be an integer >= 1"),
        ("occlusion", {"window": -1}, "`window` must be an integer >= 1, received -1"),
        ("occlusion", {"window": 0}, "`window` must be an integer >= 1"),
        ("occlusion", {"window": 7}, "spans 7 steps but the input has only 6"),
        ("occlusion", {"stride": 0}, "`stride` must be an integer >= 1"),
        ("occlusion", {"window": 2, "stride": 3}, "never be occluded"),
        ("occlusion", {"window": (1, 1), "stride": (1, 2)}, "feature stride of at most 1"),
        ("occlusion", {"feature_groups": [0, 1]}, "must be a list of feature indices"),
        ("occlusion", {"feature_groups": 5}, "list of lists of feature indices"),
        ("occlusion", {"feature_groups": []}, "is empty"),
        ("feature_ablation", {"groups": 42}, "array of integer group ids"),
        ("feature_ablation", {"groups": [[0.5] * 3] * 6}, "array of integer group ids"),
        ("feature_ablation", {"groups": -np.ones(6, int)}, "nothing would be ablated"),
        ("saliency", {"abs": "no"}, "`abs` must be True"),
        ("lime", {}, "Unknown attribution method 'lime'"),
        (42, {}, "Unknown attribution method 42"),
    ],
)
def test_bad_options(model, method, options, message):
    started = time.perf_counter()
    with pytest.raises(OptionError, match=message):
        rnnlens.attribute(model, X, method=method, target=0, **options)
    assert time.perf_counter() - started < 30  # refused, not computed


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (1.5, "Target must be None, an int"),
        ({"unit": 1}, "Target must be None, an int"),
        ((1.5, 0), "must be an int"),
        ([[0, 1]], "one integer unit per sample"),
        (True, "Target must be an int"),
        (5, "out of range"),
    ],
)
def test_bad_targets(model, target, message):
    with pytest.raises(TargetError, match=message):
        rnnlens.attribute(model, X, method="saliency", target=target)


def test_a_zero_dimensional_array_target_is_an_int(model):
    result = rnnlens.attribute(model, X, method="saliency", target=np.array(1))
    expected = rnnlens.attribute(model, X, method="saliency", target=1)
    np.testing.assert_array_equal(result.values, expected.values)


def test_top_k_takes_a_count(model):
    result = rnnlens.attribute(model, X, method="saliency", target=0)
    with pytest.raises(OptionError, match="`k` must be an integer >= 0, received -1"):
        result.top_k(-1)
    assert len(result.top_k(0)) == 0
