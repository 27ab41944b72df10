"""The contract every registered method keeps, run for each entry of the registry."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import AttributionResult, Target, available_methods, get_method
from rnnlens.attribution.registry import METHODS

# Fast options per method; fine-grained windows so that per-cell axioms hold exactly for occlusion.
CONTRACT_OPTIONS: dict[str, dict] = {
    "integrated_gradients": {"n_steps": 16},
    # without a background it falls back to IG from `baselines`, so the shared axioms apply to it too
    "expected_gradients": {"n_steps": 16},
    "saliency": {},
    "input_x_gradient": {},
    "occlusion": {"window": (1, 1)},
    "feature_ablation": {"groups": "cell"},
    # one player per cell; permutation sampling gives exactly 0 to cells the model ignores
    "shapley": {"players": "cell", "estimator": "permutation"},
}

ALL = available_methods()


def test_every_registered_method_has_contract_options():
    assert set(CONTRACT_OPTIONS) == set(ALL)


@pytest.mark.parametrize("info", METHODS, ids=[m.name for m in METHODS])
def test_registry_entry_loads_its_class_by_every_name(info):
    cls = info.load()
    assert cls.name == info.name
    for alias in (info.name, *info.aliases, info.name.upper().replace("_", "-")):
        assert get_method(alias) is cls


@pytest.mark.parametrize("method", ALL)
def test_unused_feature_gets_exactly_zero(method, unused_feature_model):
    x = np.random.default_rng(0).normal(size=(3, 8, 3)).astype("float32")
    result = get_method(method)(unused_feature_model).attribute(
        x, target=(5, 0), **CONTRACT_OPTIONS[method]
    )
    assert np.all(result.values[..., 1] == 0.0)
    assert np.any(result.values[..., 0] != 0.0) and np.any(result.values[..., 2] != 0.0)


@pytest.mark.parametrize("method", ALL)
def test_future_inputs_get_exactly_zero_for_a_causal_output(method, forecaster, series):
    step = 4
    result = get_method(method)(forecaster).attribute(
        series, target=(step, 0), **CONTRACT_OPTIONS[method]
    )
    assert np.all(result.values[:, step + 1 :] == 0.0)
    assert np.all(np.abs(result.values[:, : step + 1]).sum(axis=(1, 2)) > 0)


@pytest.mark.parametrize("method", ALL)
def test_padded_tokens_get_exactly_zero(method, sentiment, padded_tokens):
    result = get_method(method)(sentiment).attribute(padded_tokens, **CONTRACT_OPTIONS[method])
    assert result.axes == ("sample", "token")
    padded = padded_tokens == 0
    assert np.all(result.values[padded] == 0.0)
    assert np.all(np.abs(np.where(padded, 0, result.values)).sum(axis=1) > 0)


@pytest.mark.parametrize("method", ALL)
def test_encoder_decoder_gives_one_result_per_input_and_decoder_causality(
    method, translator, translation_pair
):
    results = get_method(method)(translator).attribute(
        translation_pair, target=Target(time="all", unit="predicted"), **CONTRACT_OPTIONS[method]
    )
    assert isinstance(results, tuple) and len(results) == 2
    encoder, decoder = results
    assert (encoder.input_name, decoder.input_name) == ("encoder_tokens", "decoder_tokens")
    assert encoder.axes == decoder.axes == ("sample", "output_time", "token")
    assert encoder.values.shape == (2, 5, 6) and decoder.values.shape == (2, 5, 5)
    # Decoder step t sees decoder tokens 0..t only: the upper triangle is exactly zero.
    upper = np.triu(np.ones((5, 5), bool), k=1)
    assert np.all(decoder.values[:, upper] == 0.0)
    assert np.all(np.abs(encoder.values).sum(axis=-1) > 0)


@pytest.mark.parametrize("method", ALL)
def test_result_describes_itself(method, forecaster, series):
    result = get_method(method)(forecaster).attribute(
        series, target=(3, 0), **CONTRACT_OPTIONS[method]
    )
    assert isinstance(result, AttributionResult)
    assert result.method == method
    assert result.axes == ("sample", "time", "feature") and result.values.shape == series.shape
    assert result.target == "output 'forecast', step 3, unit 0"
    np.testing.assert_array_equal(result.inputs, series)
    expected = forecaster.predict(series, verbose=0)[:, 3, 0]
    np.testing.assert_allclose(result.outputs, expected, rtol=1e-5, atol=1e-6)
