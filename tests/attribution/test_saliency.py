"""Gradient methods against TensorFlow's own GradientTape on the Keras model."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from rnnlens.attribution import InputXGradient, OptionError, Saliency


def _tape_gradient(model, x, step):
    tensor = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(tensor)
        value = tf.reduce_sum(model(tensor, training=False)[:, step, 0])
    return tape.gradient(value, tensor).numpy()


def test_saliency_is_the_gradient(forecaster, series):
    expected = _tape_gradient(forecaster, series, 6)
    signed = Saliency(forecaster).attribute(series, target=(6, 0), abs=False)
    np.testing.assert_allclose(signed.values, expected, rtol=1e-5, atol=1e-8)
    absolute = Saliency(forecaster).attribute(series, target=(6, 0))
    np.testing.assert_allclose(absolute.values, np.abs(expected), rtol=1e-5, atol=1e-8)


def test_input_x_gradient_is_input_times_the_gradient(forecaster, series):
    expected = series * _tape_gradient(forecaster, series, 8)
    result = InputXGradient(forecaster).attribute(series, target=(8, 0))
    np.testing.assert_allclose(result.values, expected, rtol=1e-5, atol=1e-8)


def test_token_gradients_are_taken_at_the_embedding_output(sentiment, padded_tokens):
    embedding = sentiment.get_layer("embedding")
    vectors = tf.convert_to_tensor(embedding(padded_tokens))
    mask = tf.convert_to_tensor(padded_tokens != 0)
    with tf.GradientTape() as tape:
        tape.watch(vectors)
        hidden = sentiment.get_layer("lstm")(vectors, mask=mask)
        value = tf.reduce_sum(sentiment.get_layer("sentiment")(hidden)[:, 0])
    gradient = tape.gradient(value, vectors).numpy()
    result = InputXGradient(sentiment).attribute(padded_tokens)
    np.testing.assert_allclose(
        result.values, (vectors.numpy() * gradient).sum(axis=-1), rtol=1e-4, atol=1e-8
    )


@pytest.mark.parametrize("method", [Saliency, InputXGradient])
def test_gradient_methods_take_no_baselines(method, forecaster, series):
    with pytest.raises(OptionError, match="takes no baselines"):
        method(forecaster).attribute(series, target=(0, 0), baselines=0.0)
