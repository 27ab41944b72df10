"""The generated example data means what it says."""

from __future__ import annotations

import numpy as np

from rnnlens.datasets.examples import (
    SENTIMENT_VOCAB,
    SOURCE_VOCAB,
    TARGET_VOCAB,
    make_forecast_data,
    make_sentiment_data,
    make_translation_data,
)


def test_forecast_target_is_the_next_reading():
    data = make_forecast_data(samples=20)
    (x,) = data.inputs
    np.testing.assert_allclose(data.targets[:, :-1], x[:, 1:], atol=1e-6)
    readings = data.scaler.inverse_transform(x)
    assert 0.5 < readings.mean() < 8.0  # mm/s, a plausible bearing vibration level


def test_sentiment_label_follows_the_sentiment_words():
    data = make_sentiment_data(samples=50)
    (tokens,) = data.inputs
    for row, label in zip(tokens, data.targets[:, 0], strict=True):
        words = [SENTIMENT_VOCAB[i] for i in row if i]
        positive = sum(w in SENTIMENT_VOCAB[2:10] for w in words)
        negative = sum(w in SENTIMENT_VOCAB[10:18] for w in words)
        assert positive != negative
        assert label == float(positive > negative)


def test_translation_is_word_for_word_with_teacher_forcing():
    data = make_translation_data(samples=30)
    source, decoder = data.inputs
    for src, dec, tgt in zip(source, decoder, data.targets, strict=True):
        words = [SOURCE_VOCAB[i] for i in src if i]
        out = [TARGET_VOCAB[i] for i in tgt if i]
        assert out[-1] == "<end>" and len(out) == len(words) + 1
        assert dec[0] == TARGET_VOCAB.index("<start>")
        np.testing.assert_array_equal(dec[1 : len(words) + 1], tgt[: len(words)])
