"""Occlusion stops at the causal horizon: nothing after the explained step of a causal model."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.attribution import IntegratedGradients, Occlusion, Target
from rnnlens.attribution.causality import causal_inputs


def _brute_force(model, x, step, window):
    """Captum's average of the windows covering each cell, every output run by Keras."""

    def f(inputs):
        return model.predict(inputs, verbose=0)[:, step, 0].astype(np.float64)

    steps = x.shape[1]
    total, count = np.zeros(x.shape), np.zeros(x.shape[1:])
    for start in range(steps - window + 1):
        occluded = x.copy()
        occluded[:, start : start + window] = 0.0
        total[:, start : start + window] += (f(x) - f(occluded))[:, None, None]
        count[start : start + window] += 1
    return total / count


def test_a_causal_forecaster_gets_nothing_after_the_target_step(forecaster, series):
    step = 4
    result = Occlusion(forecaster).attribute(series, target=(step, 0), window=3)
    expected = _brute_force(forecaster, series, step, 3)
    np.testing.assert_allclose(
        result.values[:, : step + 1], expected[:, : step + 1], rtol=1e-4, atol=1e-6
    )
    assert np.any(expected[:, step + 1 :] != 0)  # what the unclipped windows smear forward
    assert np.all(result.values[:, step + 1 :] == 0.0)
    ig = IntegratedGradients(forecaster).attribute(series, target=(step, 0), n_steps=8)
    assert np.all(ig.values[:, step + 1 :] == 0.0)  # the same horizon IG finds exactly


def test_every_step_target_clips_each_row_at_its_own_step(forecaster, series):
    result = Occlusion(forecaster).attribute(
        series[:2], target=Target(time="all", unit=0), window=2
    )
    for t in range(series.shape[1]):
        assert np.all(result.values[:, t, t + 1 :] == 0.0)
        assert np.any(result.values[:, t, : t + 1] != 0.0)


def test_a_bidirectional_model_is_not_clipped():
    import keras

    keras.utils.set_random_seed(4)
    model = keras.Sequential(
        [
            keras.Input((6, 2)),
            keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True)),
            keras.layers.Dense(1),
        ]
    )
    assert causal_inputs(model, 0) == frozenset()
    x = np.random.default_rng(1).normal(size=(2, 6, 2)).astype("float32")
    result = Occlusion(model).attribute(x, target=(2, 0), window=1)
    assert np.any(result.values[:, 3:] != 0.0)  # later steps really matter here


@pytest.mark.parametrize("fixture", ["translator"])
def test_only_the_decoder_input_of_an_encoder_decoder_is_causal(fixture, request):
    model = request.getfixturevalue(fixture)
    names = [tensor.name.split(":")[0] for tensor in model.inputs]
    assert causal_inputs(model, 0) == frozenset({names.index("decoder_tokens")})
