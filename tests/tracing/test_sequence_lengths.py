"""One model traced at several sequence lengths, masked: the compiled function is relaxed, not broken."""

from __future__ import annotations

import keras
import numpy as np

import rnnlens


def test_masked_model_traced_at_several_lengths_matches_keras():
    x = np.random.default_rng(0).normal(size=(3, 6, 2)).astype("float32")
    x[0, :2] = 0.0  # masked steps at the front of sample 0
    inputs = keras.Input((None, 2))
    lstm = keras.layers.LSTM(3, return_sequences=True, name="lstm")
    model = keras.Model(inputs, lstm(keras.layers.Masking()(inputs)))
    for length in (4, 6, 5, 3):
        traced = rnnlens.trace(model, x[:, :length])["lstm"].hidden
        np.testing.assert_allclose(traced, model.predict(x[:, :length], verbose=0), atol=1e-5)
