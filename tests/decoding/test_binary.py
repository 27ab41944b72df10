"""Sigmoid heads: probabilities equal Keras's own output; labels follow the threshold rule exactly."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlens.decoding import decode, decode_binary
from rnnlens.errors import DataError, OptionError, TargetError
from tests.helpers import random_tokens


@pytest.fixture(scope="module")
def tokens():
    return random_tokens(batch=16, length=20, vocab=50, seed=5)


def test_sentiment_probabilities_and_labels_match_keras(sentiment, tokens):
    result = decode(sentiment, tokens, threshold=0.5, labels=["negative", "positive"])
    expected = sentiment.predict(tokens, verbose=0)[:, 0]
    table = result.table
    assert result.kind == "binary" and result.output == "sentiment"
    np.testing.assert_allclose(table["probability"], expected, atol=1e-6)
    np.testing.assert_array_equal(table["predicted"], (table["probability"] > 0.5).astype(int))
    np.testing.assert_array_equal(
        table["label"], np.where(table["probability"] > 0.5, "positive", "negative")
    )
    np.testing.assert_allclose(
        table["confidence"], np.maximum(table["probability"], 1 - table["probability"])
    )
    assert result.meta["threshold"] == 0.5 and result.meta["task"] == "binary_classification"


def test_threshold_moves_the_labels(sentiment, tokens):
    p = decode(sentiment, tokens).table["probability"].to_numpy()
    cut = float(np.median(p))
    result = decode(sentiment, tokens, threshold=cut)
    assert result.table["predicted"].sum() == int(np.sum(p > cut))


def test_threshold_chosen_on_validation_data(sentiment, tokens):
    from rnnlens.decoding import choose_threshold

    x_val = random_tokens(batch=30, length=20, vocab=50, seed=9)
    scores = sentiment.predict(x_val, verbose=0)[:, 0]
    y_val = (scores > np.quantile(scores, 0.6)).astype(int)  # a rule the model fits perfectly
    result = decode(sentiment, tokens, threshold="f1", validation=(x_val, y_val))
    expected = choose_threshold(y_val, scores, "f1").threshold
    assert result.meta["threshold"] == pytest.approx(expected, abs=1e-6)
    assert "f1 on 30 validation" in result.meta["threshold_method"]
    assert np.sum(scores > result.meta["threshold"]) == y_val.sum()


def test_method_without_validation_is_explained(sentiment, tokens):
    with pytest.raises(OptionError, match=r"pass validation=\(x_val, y_val\)"):
        decode(sentiment, tokens, threshold="youden")


def test_labels_that_do_not_match_the_output_size(sentiment, tokens):
    with pytest.raises(TargetError, match=r"takes 2 class names .* received 3"):
        decode(sentiment, tokens, labels=["a", "b", "c"])


def test_single_label_name_is_the_positive_class():
    table = decode_binary(np.array([[0.2], [0.7]]), class_names=["spam"])
    assert table["label"].tolist() == ["not spam", "spam"]


def test_logits_head_is_read_through_a_sigmoid(logit_classifier, series):
    result = decode(logit_classifier, series)
    logits = logit_classifier.predict(series, verbose=0)[:, 0].astype(np.float64)
    np.testing.assert_allclose(result.table["probability"], 1 / (1 + np.exp(-logits)), atol=1e-7)
    assert result.kind == "binary"


def test_multilabel_per_label_thresholds(multilabel_classifier, series):
    names = ["rain", "wind", "snow"]
    cuts = [0.3, 0.5, 0.7]
    result = decode(multilabel_classifier, series, labels=names, threshold=cuts)
    p = multilabel_classifier.predict(series, verbose=0)
    assert result.kind == "multilabel"
    for unit, (name, cut) in enumerate(zip(names, cuts, strict=True)):
        np.testing.assert_allclose(result.table[f"probability:{name}"], p[:, unit], atol=1e-6)
        np.testing.assert_array_equal(result.table[f"predicted:{name}"], p[:, unit] > cut)
    expected = [";".join(n for n, c, v in zip(names, cuts, row, strict=True) if v > c) for row in p]
    assert result.table["labels"].tolist() == expected
    with pytest.raises(TargetError, match="3 sigmoid units .* 2 class names"):
        decode(multilabel_classifier, series, labels=names[:2])
    with pytest.raises(OptionError, match=r"one number or one per output unit \(3\)"):
        decode(multilabel_classifier, series, threshold=[0.5, 0.5])


def test_out_of_range_probabilities_and_thresholds():
    with pytest.raises(DataError, match=r"must lie in \[0, 1\].*a from_logits=True loss"):
        decode_binary(np.array([[2.5]]))
    with pytest.raises(OptionError, match=r"`threshold` must lie in \[0, 1\]"):
        decode_binary(np.array([[0.5]]), threshold=1.5)
