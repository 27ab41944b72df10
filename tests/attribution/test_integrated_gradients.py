"""Integrated gradients against axioms: exact on linear models, complete on the seed models."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnlens.attribution import Baseline, IntegratedGradients, OptionError, Target, integration_rule
from rnnlens.attribution.integrated_gradients import INTEGRATION_METHODS


@pytest.fixture(scope="module")
def dense_linear():
    """Flatten + Dense(1): F(x) = sum(x * w) + c with known w."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
    w = np.random.default_rng(1).normal(size=(10, 1)).astype("float32")
    model.layers[-1].set_weights([w, np.array([0.3], "float32")])
    return model, w.reshape(5, 2)


@pytest.fixture(scope="module")
def linear_rnn():
    """SimpleRNN(4, linear) + Dense(1): linear in x, with dF/dx_t = W U^(T-1-t) v."""
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [keras.Input((6, 3)), keras.layers.SimpleRNN(4, activation=None), keras.layers.Dense(1)]
    )
    kernel, recurrent, _ = model.layers[0].get_weights()
    head, _ = model.layers[1].get_weights()
    weights = np.stack(
        [(kernel @ np.linalg.matrix_power(recurrent, 6 - 1 - t) @ head)[:, 0] for t in range(6)]
    )
    return model, weights


@pytest.mark.parametrize("rule", INTEGRATION_METHODS)
def test_linear_model_attribution_is_x_minus_baseline_times_weight(rule, dense_linear):
    model, w = dense_linear
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    reference = rng.normal(size=(20, 5, 2)).astype("float32")
    baseline = reference.reshape(-1, 2).mean(axis=0)
    result = IntegratedGradients(model).attribute(
        x, baselines=Baseline.mean(reference), n_steps=3, method=rule
    )
    np.testing.assert_allclose(result.values, (x - baseline) * w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result.completeness_gap, 0.0, atol=1e-5)


def test_linear_recurrent_model_matches_unrolled_weights(linear_rnn):
    model, weights = linear_rnn
    x = np.random.default_rng(4).normal(size=(2, 6, 3)).astype("float32")
    baseline = np.linspace(-1, 1, 18, dtype="float32").reshape(6, 3)
    result = IntegratedGradients(model).attribute(x, baselines=baseline, n_steps=2)
    np.testing.assert_allclose(result.values, (x - baseline) * weights, rtol=1e-4, atol=1e-6)


def test_outputs_match_keras_predict_on_inputs_and_baselines(forecaster, series):
    baseline = np.full((10, 1), 0.5, "float32")
    result = IntegratedGradients(forecaster).attribute(series, target=(7, 0), baselines=baseline)
    np.testing.assert_allclose(
        result.outputs, forecaster.predict(series, verbose=0)[:, 7, 0], rtol=1e-5, atol=1e-7
    )
    expected = forecaster.predict(np.broadcast_to(baseline, series.shape), verbose=0)[:, 7, 0]
    np.testing.assert_allclose(result.baseline_outputs, expected, rtol=1e-5, atol=1e-7)


def _assert_complete(results, tolerance=0.01):
    results = results if isinstance(results, tuple) else (results,)
    first = results[0]
    scale = np.abs(first.outputs - first.baseline_outputs)
    total = sum(r.values.reshape(*first.outputs.shape, -1).sum(axis=-1) for r in results)
    gap = total - (first.outputs - first.baseline_outputs)
    np.testing.assert_allclose(gap, first.completeness_gap, atol=1e-6)
    assert np.all(np.abs(gap) <= tolerance * scale), np.max(np.abs(gap) / scale)


def test_completeness_on_the_forecaster_for_every_output_step(forecaster, series):
    result = IntegratedGradients(forecaster).attribute(
        series, target=Target(time="all"), n_steps=64
    )
    assert result.values.shape == (4, 10, 10, 1)
    _assert_complete(result)


def test_completeness_on_the_sentiment_classifier(sentiment, padded_tokens):
    result = IntegratedGradients(sentiment).attribute(padded_tokens, n_steps=64)
    _assert_complete(result)


def test_completeness_on_the_translator_over_both_inputs(translator, translation_pair):
    results = IntegratedGradients(translator).attribute(
        translation_pair, target=Target(time="all", unit="predicted"), n_steps=64
    )
    _assert_complete(results)
    assert results[0].completeness_gap is results[1].completeness_gap or np.array_equal(
        results[0].completeness_gap, results[1].completeness_gap
    )


def test_chunking_does_not_change_the_result(forecaster, series):
    ig = IntegratedGradients(forecaster)
    whole = ig.attribute(series, target=(9, 0), n_steps=16)
    chunked = ig.attribute(series, target=(9, 0), n_steps=16, internal_batch_size=7)
    np.testing.assert_allclose(chunked.values, whole.values, rtol=1e-5, atol=1e-8)


def test_a_finer_rule_closes_the_gap(forecaster, series):
    ig = IntegratedGradients(forecaster)
    coarse = ig.attribute(series, target=(9, 0), n_steps=2, method="riemann_right")
    fine = ig.attribute(series, target=(9, 0), n_steps=64, method="riemann_middle")
    assert np.max(fine.relative_gap) < np.max(coarse.relative_gap)
    assert np.max(fine.relative_gap) < 0.01


@pytest.mark.parametrize("rule", INTEGRATION_METHODS)
def test_integration_rules_are_normalised_quadratures(rule):
    alphas, weights = integration_rule(rule, 8)
    assert np.all((alphas >= 0) & (alphas <= 1))
    np.testing.assert_allclose(weights.sum(), 1.0)
    if rule not in (
        "riemann_left",
        "riemann_right",
    ):  # symmetric rules integrate a linear f exactly
        np.testing.assert_allclose(np.sum(weights * alphas), 0.5, atol=1e-12)


def test_gauss_legendre_integrates_polynomials_exactly():
    alphas, weights = integration_rule("gausslegendre", 4)
    for degree in range(8):
        np.testing.assert_allclose(np.sum(weights * alphas**degree), 1 / (degree + 1), rtol=1e-12)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_steps": 0}, "`n_steps` must be an integer from 1 to 1000"),
        ({"n_steps": 2.5}, "`n_steps` must be an integer"),
        ({"method": "simpson"}, "`method` must be one of"),
        ({"method": "riemann_trapezoid", "n_steps": 1}, "from 2 to 1000"),
        ({"internal_batch_size": -3}, "`internal_batch_size`"),
        ({"memory_budget_mb": 0}, "`memory_budget_mb`"),
    ],
)
def test_bad_options_raise_option_errors(options, message, forecaster, series):
    with pytest.raises(OptionError, match=message):
        IntegratedGradients(forecaster).attribute(series, target=(0, 0), **options)
