"""Models whose layer names TensorFlow cannot use as scopes decode (and report) like any other."""

from __future__ import annotations

import keras
import numpy as np

import rnnlens


def _oddly_named_model() -> keras.Model:
    keras.utils.set_random_seed(3)
    x_in = keras.Input((6, 2), name="x")
    hidden = keras.layers.LSTM(3, name="my lstm")(x_in)
    head = keras.layers.Dense(1, activation="sigmoid", name="head ü")(hidden)
    return keras.Model(x_in, head, name="model my lstm")


def test_decode_equals_the_eager_model(tmp_path):
    model = _oddly_named_model()
    x = np.random.default_rng(0).normal(size=(4, 6, 2)).astype("float32")
    decoded = rnnlens.decode(model, x)
    np.testing.assert_allclose(
        decoded.table["probability"].to_numpy(), np.asarray(model(x))[:, 0], atol=1e-6
    )
    assert rnnlens.report(model, x, tmp_path / "r.html").stat().st_size > 0
