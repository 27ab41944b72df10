"""The recommended explanation (#12 item 4): ``rnnlens.attribute(model, x, target, background=REF)`` with no
method computes what bench/faithfulness.py found most faithful, says which, and equals that method called
explicitly."""

from __future__ import annotations

import logging

import keras
import numpy as np
import pytest

import rnnlens
from rnnlens.attribution import Baseline
from rnnlens.attribution.diagnostics import RnnlensWarning


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(40, 6, 3)).astype("float32")


@pytest.fixture(scope="module")
def classifier():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [keras.Input((6, 3)), keras.layers.LSTM(4), keras.layers.Dense(3, activation="softmax")]
    )


@pytest.fixture(scope="module")
def regressor():
    keras.utils.set_random_seed(1)
    return keras.Sequential([keras.Input((6, 3)), keras.layers.LSTM(4), keras.layers.Dense(1)])


def test_classifier_gets_ig_from_the_opposite_class(classifier, data, caplog):
    with caplog.at_level(logging.INFO, logger="rnnlens"):
        result = rnnlens.attribute(classifier, data[:4], target="predicted", background=data)
    assert result.method == "integrated_gradients"
    assert "opposite class" in result.options["baseline"]
    assert "used integrated_gradients" in caplog.text
    explicit = rnnlens.attribute(
        classifier,
        data[:4],
        method="ig",
        target="predicted",
        baselines=Baseline.opposite_class(data),
        faithfulness=False,
    )
    np.testing.assert_allclose(result.values, explicit.values, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.baseline_outputs, explicit.baseline_outputs, rtol=1e-6)
    assert float(result.relative_gap.max()) < 0.01


def test_regressor_gets_expected_gradients_over_the_background(regressor, data, caplog):
    with caplog.at_level(logging.INFO, logger="rnnlens"):
        result = rnnlens.attribute(regressor, data[:4], target=0, background=data)
    assert result.method == "expected_gradients"
    assert "used expected_gradients" in caplog.text and "no opposite class" in caplog.text
    explicit = rnnlens.attribute(
        regressor, data[:4], method="eg", target=0, background=data, faithfulness=False
    )
    np.testing.assert_allclose(result.values, explicit.values, rtol=1e-6, atol=1e-8)


def test_a_background_of_one_class_falls_back_to_expected_gradients(classifier, data):
    predicted = classifier.predict(data, verbose=0).argmax(axis=-1)
    same = data[predicted == predicted[0]]
    result = rnnlens.attribute(classifier, data[:1], target="predicted", background=same)
    assert result.method == "expected_gradients"


def test_without_background_ig_from_zeros_warns(classifier, data):
    with pytest.warns(RnnlensWarning, match="zeros"):
        result = rnnlens.attribute(classifier, data[:2], target="predicted", faithfulness=False)
    assert result.method == "integrated_gradients" and result.options["baseline"] == "zeros"


def test_options_of_the_recommended_method_pass_through(classifier, data):
    result = rnnlens.attribute(
        classifier, data[:2], target="predicted", background=data, n_steps=16, faithfulness=False
    )
    assert result.options["n_steps"] == 16


def test_public_option_names_reach_the_fallback(regressor, data):
    result = rnnlens.attribute(
        regressor, data[:2], target=0, background=data, integration="gausslegendre", n_steps=8
    )
    assert result.method == "expected_gradients" and result.options["method"] == "gausslegendre"
