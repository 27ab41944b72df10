"""Valid models that used to crash attribution: stateful, ConvLSTM1D, unscopable names, mixed precision."""

from __future__ import annotations

import numpy as np
import pytest

import rnnlens
from rnnlens.errors import UnsupportedLayerError

X = np.random.default_rng(6).normal(size=(4, 6, 2)).astype("float32")


def _states(layer):
    return [np.array(state.numpy()) for state in layer.states]


def test_a_fixed_batch_stateful_model_is_explained_from_a_fresh_state():
    import keras

    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(4, 6, 2)),
            keras.layers.LSTM(3, stateful=True, name="lstm"),
            keras.layers.Dense(1),
        ]
    )
    lstm = model.get_layer("lstm")
    model.predict(X[::-1], verbose=0)  # the user's model now holds a non-zero state
    held = _states(lstm)
    assert np.any(held[0] != 0)
    ig = rnnlens.attribute(model, X, method="ig", n_steps=32)
    occlusion = rnnlens.attribute(model, X, method="occlusion", window=2)
    for before, after in zip(held, _states(lstm), strict=True):
        np.testing.assert_array_equal(before, after)  # attribution never moved the user's states
    lstm.reset_states()
    fresh = model.predict(X, verbose=0)[:, 0]
    np.testing.assert_allclose(ig.outputs, fresh, rtol=1e-5, atol=1e-6)
    total = ig.values.reshape(4, -1).sum(axis=1)
    np.testing.assert_allclose(total, ig.outputs - ig.baseline_outputs, rtol=1e-3, atol=1e-5)
    assert occlusion.values.shape == X.shape


def test_conv_lstm_occlusion_is_refused_and_gradients_work():
    import keras

    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [
            keras.Input((5, 4, 2)),
            keras.layers.ConvLSTM1D(2, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
    x = np.random.default_rng(1).normal(size=(2, 5, 4, 2)).astype("float32")
    for method in ("occlusion", "feature_ablation"):
        with pytest.raises(UnsupportedLayerError, match="Use a gradient method"):
            rnnlens.attribute(model, x, method=method)
    ig = rnnlens.attribute(model, x, method="ig", n_steps=32)
    np.testing.assert_allclose(
        ig.values.reshape(2, -1).sum(axis=1), ig.outputs - ig.baseline_outputs, atol=1e-3
    )


@pytest.mark.parametrize("method", ["ig", "occlusion"])
def test_layer_names_tensorflow_cannot_scope(method):
    import keras

    keras.utils.set_random_seed(5)
    inputs = keras.Input((6, 2), name="my signals")
    hidden = keras.layers.Bidirectional(keras.layers.GRU(3, name="gru é"), name="bi dir")(inputs)
    outputs = keras.layers.Dense(2, name="tête de sortie")(hidden)
    model = keras.Model(inputs, outputs, name="mon modèle")
    result = rnnlens.attribute(model, X, method=method, target=1)
    np.testing.assert_allclose(result.outputs, np.asarray(model(X))[:, 1], rtol=1e-5, atol=1e-6)
    assert result.input_name == "my signals"
    named = rnnlens.attribute(
        model,
        X,
        method="saliency",
        target=rnnlens.attribution.Target(output="tête de sortie", unit=1),
    )
    assert named.values.shape == X.shape


def test_mixed_float16_policy():
    import keras

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(5)
        model = keras.Sequential([keras.Input((6, 2)), keras.layers.LSTM(3), keras.layers.Dense(1)])
        result = rnnlens.attribute(model, X, method="ig", n_steps=16)
        occlusion = rnnlens.attribute(model, X, method="occlusion")
    finally:
        keras.mixed_precision.set_global_policy(previous)
    expected = np.asarray(model(X), dtype=np.float64)[:, 0]
    np.testing.assert_allclose(result.outputs, expected, atol=2e-3)
    assert result.values.dtype == np.float32 and np.all(np.isfinite(result.values))
    # completeness within float16 rounding (the sums themselves are kept in float32 / float64)
    assert np.max(np.abs(result.completeness_gap)) < 1e-2
    assert np.all(np.isfinite(occlusion.values))
